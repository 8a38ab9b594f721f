import { parseCidr } from './ip-allowlist.js';
import { metadataProblem } from './metadata.js';

/**
 * The rules on token fields that a JSON schema cannot state, for every API that sets them.
 * Returns what is wrong, naming the field, or undefined.
 */
export function tokenInputProblem(
  input: { metadata?: Record<string, unknown>; ipAllowlist?: string[]; expiresAt?: number | null },
  now: number,
): string | undefined {
  const metadata = input.metadata && metadataProblem(input.metadata);
  if (metadata) return `metadata ${metadata}`;
  const bad = input.ipAllowlist?.findIndex((cidr) => !parseCidr(cidr)) ?? -1;
  if (bad >= 0) return `ipAllowlist.${bad} is not an IP address or CIDR range`;
  if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= now) {
    return 'expiresAt must be in the future';
  }
  return undefined;
}
