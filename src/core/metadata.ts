export const METADATA_MAX_BYTES = 16 * 1024;
export const METADATA_MAX_DEPTH = 16;

/** Why a token's metadata is unacceptable, or undefined when it is fine. */
export function metadataProblem(metadata: Record<string, unknown>): string | undefined {
  // Depth first, iteratively: serializing a hostile, deeply nested value would overflow the stack.
  const stack: Array<[unknown, number]> = [[metadata, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > METADATA_MAX_DEPTH) return `is nested deeper than ${METADATA_MAX_DEPTH} levels`;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_MAX_BYTES) return 'is larger than 16 kB';
  return undefined;
}
