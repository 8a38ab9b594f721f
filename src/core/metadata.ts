import { jsonDepthProblem } from './json-depth.js';

export const METADATA_MAX_BYTES = 16 * 1024;
export const METADATA_MAX_DEPTH = 16;

/** Why a token's metadata is unacceptable, or undefined when it is fine. */
export function metadataProblem(metadata: Record<string, unknown>): string | undefined {
  // Depth first: serializing a hostile, deeply nested value would overflow the stack.
  const depth = jsonDepthProblem(metadata, METADATA_MAX_DEPTH);
  if (depth) return depth;
  if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) return 'is larger than 16 kB';
  return undefined;
}
