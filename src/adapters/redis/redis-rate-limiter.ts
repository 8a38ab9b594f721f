import { Redis } from 'ioredis';
import { rateLimitCheckProblem, type RateLimitCheck } from '../../core/rate-limit.js';
import type { RateLimitOutcome, RateLimiter } from '../../service/rate-limiter.js';

/**
 * decideRateLimits (src/core/rate-limit.ts), transcribed, so that reading, deciding and writing
 * every key is one atomic step however many nodes share the keys. Same order of checks, same
 * tie-breaks, same integer arithmetic (floor division as (a - a % b) / b, exact below 2^53).
 * KEYS: the keys checked. ARGV[1]: now in ms, or '' for the Redis server's clock; then limit,
 * durationMs and cost for each key. A key holds 'tatMs:tatFraction' and expires when its bucket is
 * full again (on the server's clock; a second later with the caller's). Answers {allowed 0|1,
 * index of the check reported (from 1), limit, remaining, resetAt, retryAfterMs (-1: never)}.
 * Reading TIME before writing needs effect replication: Redis 5 or later.
 */
const CONSUME_SCRIPT = `
local now
if ARGV[1] == '' then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
else
  now = tonumber(ARGV[1])
end

-- With the caller's clock, Redis expires keys on its own: a second's grace keeps a key until
-- callers whose clocks lag a little also see its bucket full.
local grace = 0
if ARGV[1] ~= '' then grace = 1000 end

local function floordiv(a, b) return (a - a % b) / b end
local function ceildiv(a, b) return floordiv(a + b - 1, b) end

local spent = {}
local denied, deniedRetry, tightest
local report = {}

for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[3 * i - 1])
  local duration = tonumber(ARGV[3 * i])
  local cost = tonumber(ARGV[3 * i + 1])
  local state = spent[key]
  if state == nil then
    local stored = redis.call('GET', key)
    if stored then
      local ms, fraction = string.match(stored, '^(%-?%d+):(%d+)$')
      if ms then state = { tonumber(ms), tonumber(fraction) } end
    end
  end
  local backlog = 0
  if state then
    local ahead = state[1] - now
    if ahead >= -duration then backlog = math.max(0, ahead * limit + state[2]) end
  end
  local capacity = limit * duration
  local need = cost * duration
  local allowed = cost == 0 or (cost <= limit and backlog + need <= capacity)
  local after = backlog
  if allowed then after = backlog + need end
  local remaining = floordiv(math.max(0, capacity - after), duration)
  local resetAt = now + ceildiv(after, limit)
  if allowed then
    if cost > 0 then spent[key] = { now + floordiv(after, limit), after % limit, ceildiv(after, limit) } end
    if tightest == nil or remaining < report[tightest][2] then
      tightest = i
    end
  else
    local retry = math.huge
    if cost <= limit then retry = ceildiv(backlog + need - capacity, limit) end
    if denied == nil or retry > deniedRetry then denied = i; deniedRetry = retry end
  end
  report[i] = { limit, remaining, resetAt }
end

if denied then
  local r = report[denied]
  if deniedRetry == math.huge then deniedRetry = -1 end
  return { 0, denied, r[1], r[2], r[3], deniedRetry }
end
for key, state in pairs(spent) do
  redis.call('SET', key, string.format('%.0f:%.0f', state[1], state[2]), 'PX', state[3] + grace)
end
local r = report[tightest]
return { 1, tightest, r[1], r[2], r[3], 0 }
`;

export type UnavailablePolicy = 'open' | 'closed';

export interface RedisRateLimiterOptions {
  url: string;
  /** Prepended to every key. Default 'tessera:rl:'. */
  keyPrefix?: string;
  /** While Redis cannot be reached: 'open' admits, 'closed' denies; either way marked degraded. Default 'open'. */
  onUnavailable?: UnavailablePolicy;
  /** How long a command may take before Redis counts as unreachable. Default 200. */
  commandTimeoutMs?: number;
  /** The retryAfterMs of a 'closed' denial. Default 1000. */
  unavailableRetryAfterMs?: number;
  /**
   * Whose clock decides. 'redis' (default): the server's, read inside the script, so nodes whose
   * clocks disagree still share one timeline and resetAt is in Redis time. 'caller': the `now`
   * passed to consume, for tests and for deployments that trust their nodes' clocks.
   */
  clock?: 'redis' | 'caller';
  /** Called once when Redis stops answering (on the first failure after a success, or at start). */
  onDegraded?: (error: Error) => void;
  /** Called once when Redis answers again after onDegraded. */
  onRecovered?: () => void;
}

type ConsumeCommand = (numKeys: number, ...keysAndArgs: Array<string | number>) => Promise<unknown>;

/** Counters in Redis, shared by every tessera node that points at it. */
export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;
  readonly #keyPrefix: string;
  readonly #policy: UnavailablePolicy;
  readonly #unavailableRetryAfterMs: number;
  readonly #callerClock: boolean;
  readonly #onDegraded: ((error: Error) => void) | undefined;
  readonly #onRecovered: (() => void) | undefined;
  #healthy = true;

  constructor(options: RedisRateLimiterOptions) {
    this.#keyPrefix = options.keyPrefix ?? 'tessera:rl:';
    this.#policy = options.onUnavailable ?? 'open';
    this.#unavailableRetryAfterMs = options.unavailableRetryAfterMs ?? 1000;
    this.#callerClock = options.clock === 'caller';
    this.#onDegraded = options.onDegraded;
    this.#onRecovered = options.onRecovered;
    this.#redis = new Redis(options.url, {
      // Fail fast rather than wait: no queue while disconnected, in-flight commands rejected when
      // the connection drops, and never replayed after it comes back (their callers have been
      // answered). A request costs at most commandTimeoutMs of latency while Redis is away.
      commandTimeout: options.commandTimeoutMs ?? 200,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectTimeout: 2000,
      // Reconnects forever, at most a second apart, so counting resumes soon after Redis returns.
      retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
    });
    // Failures reach callers as degraded outcomes and onDegraded; unheard, ioredis would print each one.
    this.#redis.on('error', () => {});
    this.#redis.defineCommand('tesseraRateLimit', { lua: CONSUME_SCRIPT });
  }

  async consume(checks: readonly RateLimitCheck[], now: number): Promise<RateLimitOutcome> {
    for (const check of checks) {
      const problem = rateLimitCheckProblem(check);
      if (problem) throw new RangeError(problem);
    }
    if (this.#callerClock && !Number.isSafeInteger(now)) throw new RangeError(`rate limit clock must be integer ms, got ${now}`);
    const first = checks[0];
    if (!first) return { allowed: true, name: null, limit: 0, remaining: 0, resetAt: now, retryAfterMs: 0, degraded: false };

    const args: Array<string | number> = checks.map((check) => this.#keyPrefix + check.key);
    args.push(this.#callerClock ? String(now) : '');
    for (const { rule, cost } of checks) args.push(rule.limit, rule.durationMs, cost);
    let reply: unknown;
    try {
      reply = await (this.#redis as unknown as { tesseraRateLimit: ConsumeCommand }).tesseraRateLimit(checks.length, ...args);
    } catch (error) {
      if (this.#healthy) {
        this.#healthy = false;
        this.#onDegraded?.(error as Error);
      }
      const allowed = this.#policy === 'open';
      const retryAfterMs = allowed ? 0 : this.#unavailableRetryAfterMs;
      const { name, limit } = first.rule;
      return { allowed, name, limit, remaining: 0, resetAt: now + retryAfterMs, retryAfterMs, degraded: true };
    }
    if (!this.#healthy) {
      this.#healthy = true;
      this.#onRecovered?.();
    }
    const [allowed, index, limit, remaining, resetAt, retryAfterMs] = reply as number[];
    const reported = checks[(index ?? 0) - 1];
    if (!reported || limit === undefined || remaining === undefined || resetAt === undefined || retryAfterMs === undefined) {
      throw new Error(`rate limit script answered ${JSON.stringify(reply)}`);
    }
    return {
      allowed: allowed === 1,
      name: reported.rule.name,
      limit,
      remaining,
      resetAt,
      retryAfterMs: retryAfterMs < 0 ? Infinity : retryAfterMs,
      degraded: false,
    };
  }

  /** Resolves true once connected, or false after timeoutMs; consume works either way. */
  async ready(timeoutMs = 5000): Promise<boolean> {
    if (this.#redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        resolve(ready);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#redis.on('ready', onReady);
    });
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'ready') {
      await this.#redis.quit().catch(() => this.#redis.disconnect());
    } else {
      this.#redis.disconnect();
    }
  }
}
