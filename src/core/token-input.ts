import { parseCidr } from './ip-allowlist.js';
import { metadataProblem } from './metadata.js';
import { rateLimitRuleProblem, type RateLimitRule } from './rate-limit.js';

/** 9999-12-31T23:59:59.999Z: the latest instant an ISO 8601 date-time (a four-digit year) can write. */
export const LATEST_TIME_MS = 253_402_300_799_999;

/**
 * Whether `ms` is a time a token may carry: whole milliseconds from the epoch to LATEST_TIME_MS.
 * Anything else (NaN from an unparseable date, a fraction, a huge number) would be stored as
 * something else, or as nothing, by one store or another.
 */
export const isStorableTime = (ms: number): boolean => Number.isSafeInteger(ms) && ms >= 0 && ms <= LATEST_TIME_MS;

/**
 * The rules on token fields that a JSON schema cannot state, for every API that sets them.
 * Returns what is wrong, naming the field, or undefined.
 */
export function tokenInputProblem(
  input: { metadata?: Readonly<Record<string, unknown>>; ipAllowlist?: readonly string[]; expiresAt?: number | null; rateLimits?: readonly RateLimitRule[] },
  now: number,
): string | undefined {
  const metadata = input.metadata && metadataProblem(input.metadata);
  if (metadata) return `metadata ${metadata}`;
  const bad = input.ipAllowlist?.findIndex((cidr) => !parseCidr(cidr)) ?? -1;
  if (bad >= 0) return `ipAllowlist.${bad} is not an IP address or CIDR range`;
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    if (!isStorableTime(input.expiresAt)) return `expiresAt must be whole milliseconds from 0 to ${LATEST_TIME_MS}`;
    if (input.expiresAt <= now) return 'expiresAt must be in the future';
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
