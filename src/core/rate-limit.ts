/*
 * Rate limits are GCRA (the generic cell rate algorithm), which behaves exactly as a token bucket:
 * a key starts with `limit` requests available, may spend them at once, and earns them back
 * continuously, one every durationMs/limit ms, never holding more than `limit`. So a fresh key
 * admits exactly `limit` requests and denies the next, and any span of w ms admits at most
 * limit + w·limit/durationMs. Not a sliding window: a spent burst comes back a request at a time.
 * `remaining`: requests of cost 1 that would be admitted at this instant, after this one.
 * `resetAt`: when (ms since the epoch) all `limit` are available again if nothing more is spent.
 * `retryAfterMs`: how long until the same request would be admitted; 0 when it was.
 * Exact arithmetic: integer ms, and the state's sub-millisecond part in 1/limit ms.
 */

export interface RateLimitRule {
  /** Names the limit in answers, and lets a request choose which of a token's limits apply. */
  name: string;
  limit: number;
  durationMs: number;
}

/**
 * A key's theoretical arrival time (TAT), tatMs + tatFraction/limit ms: the instant its bucket
 * is full again. Two integers, because durationMs/limit is seldom a whole number of ms and
 * rounding it would admit one request too many or too few within a burst.
 */
export interface GcraState {
  tatMs: number;
  tatFraction: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAt: number;
  /** Infinity when cost > limit: a bucket never holds that much. */
  retryAfterMs: number;
  /** The key's state after the decision: the one given when nothing was spent. */
  state: GcraState | undefined;
}

export interface RateLimitCheck {
  key: string;
  rule: RateLimitRule;
  cost: number;
}

/**
 * The answer for several checks. When denied it describes the denying rule that admits the
 * request last; when allowed, the rule with the fewest remaining. `name` is null only when there
 * was nothing to check.
 */
export interface RateLimitResult {
  allowed: boolean;
  name: string | null;
  limit: number;
  remaining: number;
  resetAt: number;
  retryAfterMs: number;
}

export interface RateLimitsDecision extends RateLimitResult {
  /** The states to store, all of them, atomically; empty when denied: a denial spends nothing. */
  writes: Array<{ key: string; state: GcraState }>;
}

// Keeps every intermediate value (at most twice limit × durationMs) an exact double, in JS and in
// the Redis script alike: 2^50 still allows a million requests a day.
const MAX_LIMIT_TIMES_DURATION = 2 ** 50;

/** Why a rule cannot be enforced, or undefined when it can; for validating input. */
export function rateLimitRuleProblem(rule: RateLimitRule): string | undefined {
  if (!Number.isSafeInteger(rule.limit) || rule.limit < 1) return 'limit must be a positive integer';
  if (!Number.isSafeInteger(rule.durationMs) || rule.durationMs < 1) return 'durationMs must be a positive integer';
  if (rule.limit * rule.durationMs > MAX_LIMIT_TIMES_DURATION) return 'limit × durationMs must not exceed 2^50';
  return undefined;
}

/** Why a check cannot be counted, or undefined when it can. */
export function rateLimitCheckProblem(check: RateLimitCheck): string | undefined {
  const problem = rateLimitRuleProblem(check.rule);
  if (problem) return `rate limit ${JSON.stringify(check.rule.name)}: ${problem}`;
  if (!Number.isSafeInteger(check.cost) || check.cost < 0) return `rate limit cost must be a non-negative integer, got ${check.cost}`;
  return undefined;
}

/** The first ms at which the key's bucket is full: from then on its state carries no information. */
export function bucketFullAt(state: GcraState): number {
  return state.tatMs + (state.tatFraction > 0 ? 1 : 0);
}

/** Whether `cost` more may be spent on one key at `now`, and what that leaves. */
export function decideRateLimit(state: GcraState | undefined, rule: RateLimitRule, cost: number, now: number): RateLimitDecision {
  assertDecidable(rule, cost, now);
  const { limit, durationMs } = rule;
  // Everything below is in 1/limit ms, so one request (durationMs/limit ms) is durationMs units.
  const capacity = limit * durationMs;
  const backlog = backlogOf(state, rule, now);
  const need = cost * durationMs;
  const allowed = cost === 0 || (cost <= limit && backlog + need <= capacity);
  const after = allowed ? backlog + need : backlog;
  return {
    allowed,
    limit,
    remaining: floorDiv(Math.max(0, capacity - after), durationMs),
    resetAt: now + ceilDiv(after, limit),
    retryAfterMs: allowed ? 0 : cost > limit ? Infinity : ceilDiv(backlog + need - capacity, limit),
    state: allowed && cost > 0 ? { tatMs: now + floorDiv(after, limit), tatFraction: after % limit } : state,
  };
}

/**
 * Several checks, all or nothing: if any denies, nothing is spent. Checks on the same key see the
 * earlier ones' spending. `stateOf` reads the stored states; the caller writes `writes` back.
 */
export function decideRateLimits(checks: readonly RateLimitCheck[], stateOf: (key: string) => GcraState | undefined, now: number): RateLimitsDecision {
  const spent = new Map<string, GcraState>();
  let denied: { check: RateLimitCheck; decision: RateLimitDecision } | undefined;
  let tightest: { check: RateLimitCheck; decision: RateLimitDecision } | undefined;
  for (const check of checks) {
    const decision = decideRateLimit(spent.get(check.key) ?? stateOf(check.key), check.rule, check.cost, now);
    if (!decision.allowed) {
      // The request passes only once every rule admits it: the latest retry is the true one.
      if (!denied || decision.retryAfterMs > denied.decision.retryAfterMs) denied = { check, decision };
    } else {
      if (check.cost > 0 && decision.state) spent.set(check.key, decision.state);
      if (!tightest || decision.remaining < tightest.decision.remaining) tightest = { check, decision };
    }
  }
  const reported = denied ?? tightest;
  if (!reported) return { allowed: true, name: null, limit: 0, remaining: 0, resetAt: now, retryAfterMs: 0, writes: [] };
  const { decision } = reported;
  return {
    allowed: !denied,
    name: reported.check.rule.name,
    limit: decision.limit,
    remaining: decision.remaining,
    resetAt: decision.resetAt,
    retryAfterMs: decision.retryAfterMs,
    writes: denied ? [] : [...spent].map(([key, state]) => ({ key, state })),
  };
}

/** How far the key's TAT lies beyond now, in 1/limit ms; 0 when its bucket is full. */
function backlogOf(state: GcraState | undefined, rule: RateLimitRule, now: number): number {
  if (!state) return 0;
  const ahead = state.tatMs - now;
  // Long past, the product below could leave the exact range; the bucket is full anyway.
  if (ahead < -rule.durationMs) return 0;
  return Math.max(0, ahead * rule.limit + state.tatFraction);
}

function assertDecidable(rule: RateLimitRule, cost: number, now: number): void {
  const problem = rateLimitCheckProblem({ key: '', rule, cost });
  if (problem) throw new RangeError(problem);
  if (!Number.isSafeInteger(now)) throw new RangeError(`rate limit clock must be integer ms, got ${now}`);
}

// Only operations exact on integers below 2^53, the same ones the Redis script uses, so both agree.
function floorDiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

function ceilDiv(a: number, b: number): number {
  return floorDiv(a + b - 1, b);
}
