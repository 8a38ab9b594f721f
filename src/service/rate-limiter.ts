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

interface Counter {
  state: GcraState;
  /** Spent since the last sweep passed it: spared once by the next (second chance). */
  spent: boolean;
}

/** Counters in this process: for a single node, and the fake that tests run against. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #states = new Map<string, Counter>();
  readonly #maxKeys: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  async consume(checks: readonly RateLimitCheck[], now: number): Promise<RateLimitOutcome> {
    return this.consumeNow(checks, now);
  }

  /** `consume` without the promise, for callers in this process that must not wait a turn. */
  consumeNow(checks: readonly RateLimitCheck[], now: number): RateLimitOutcome {
    const { writes, ...result } = decideRateLimits(checks, (key) => this.#states.get(key)?.state, now);
    // Updated in place, not moved to the map's new end: re-inserting a hot key on every spend
    // slows V8's Map down the more keys it holds (see token-cache.ts).
    for (const { key, state } of writes) {
      const counter = this.#states.get(key);
      if (counter) {
        counter.state = state;
        counter.spent = true;
      } else this.#states.set(key, { state, spent: false });
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
   * 90 % of the room is taken, live keys go from the longest known on, a key spent since the
   * last sweep spared once (moved to the new end); such a key starts over with a full bucket,
   * the one way this limiter admits more than its rules. Leaving a tenth free keeps this O(n)
   * sweep to once per maxKeys/10 new keys.
   */
  #shrink(now: number): void {
    for (const [key, counter] of this.#states) {
      if (bucketFullAt(counter.state) <= now) this.#states.delete(key);
    }
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const [key, counter] of this.#states) {
      if (this.#states.size <= target) break;
      this.#states.delete(key);
      if (counter.spent) {
        counter.spent = false;
        this.#states.set(key, counter);
      }
    }
  }
}
