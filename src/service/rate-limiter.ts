import { bucketFullAt, decideRateLimits, type GcraState, type RateLimitCheck, type RateLimitResult } from '../core/rate-limit.js';

export interface RateLimitOutcome extends RateLimitResult {
  /**
   * The counters could not be reached: `allowed` is the configured failure policy, not a count,
   * and only `name`, `limit` and `retryAfterMs` mean anything (`remaining` is 0, `resetAt` is
   * now + retryAfterMs).
   */
  degraded: boolean;
}

/** Where the rate-limit counters live: this process, or a store that several nodes share. */
export interface RateLimiter {
  /**
   * Applies every check or none (see decideRateLimits). Rejects only for a bug: a rule or cost
   * that rateLimitRuleProblem or the cost check refuses. Unreachable counters are an outcome.
   */
  consume(checks: readonly RateLimitCheck[], now: number): Promise<RateLimitOutcome>;
  close(): Promise<void>;
}

export interface MemoryRateLimiterOptions {
  /** How many keys are remembered at most. Default 100 000. */
  maxKeys?: number;
}

/** Counters in this process: for a single node, and the fake that tests run against. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #states = new Map<string, GcraState>();
  readonly #maxKeys: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  async consume(checks: readonly RateLimitCheck[], now: number): Promise<RateLimitOutcome> {
    const { writes, ...result } = decideRateLimits(checks, (key) => this.#states.get(key), now);
    for (const { key, state } of writes) {
      // Re-inserted, so the map's order runs from the least recently spent key.
      this.#states.delete(key);
      this.#states.set(key, state);
    }
    if (this.#states.size > this.#maxKeys) this.#shrink(now);
    return { ...result, degraded: false };
  }

  /** How many keys are remembered. */
  get size(): number {
    return this.#states.size;
  }

  async close(): Promise<void> {
    this.#states.clear();
  }

  /**
   * Keys whose bucket is full again carry no information: they go first. Then, while more than
   * 90 % of the room is taken, live keys go, least recently spent first; such a key starts over
   * with a full bucket, the one way this limiter admits more than its rules. Leaving a tenth free
   * keeps this O(n) sweep to once per maxKeys/10 new keys.
   */
  #shrink(now: number): void {
    for (const [key, state] of this.#states) {
      if (bucketFullAt(state) <= now) this.#states.delete(key);
    }
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const key of this.#states.keys()) {
      if (this.#states.size <= target) break;
      this.#states.delete(key);
    }
  }
}
