import { parseCidr } from './ip-allowlist.js';
import { metadataProblem } from './metadata.js';
import { rateLimitRuleProblem, type RateLimitRule } from './rate-limit.js';

/**
 * The rules on token fields that a JSON schema cannot state, for every API that sets them.
 * Returns what is wrong, naming the field, or undefined.
 */
export function tokenInputProblem(
  input: { metadata?: Record<string, unknown>; ipAllowlist?: string[]; expiresAt?: number | null; rateLimits?: RateLimitRule[] },
  now: number,
): string | undefined {
  const metadata = input.metadata && metadataProblem(input.metadata);
  if (metadata) return `metadata ${metadata}`;
  const bad = input.ipAllowlist?.findIndex((cidr) => !parseCidr(cidr)) ?? -1;
  if (bad >= 0) return `ipAllowlist.${bad} is not an IP address or CIDR range`;
  if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= now) {
    return 'expiresAt must be in the future';
  }
  const names = new Set<string>();
  for (const [i, rule] of (input.rateLimits ?? []).entries()) {
    const problem = rateLimitRuleProblem(rule);
    if (problem) return `rateLimits.${i}: ${problem}`;
    if (names.has(rule.name)) return `rateLimits.${i}: the name ${rule.name} is used twice`;
    names.add(rule.name);
  }
  return undefined;
}
