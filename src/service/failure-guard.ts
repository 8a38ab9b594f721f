import { AppError } from '../core/errors.js';
import type { RateLimitRule } from '../core/rate-limit.js';
import { MemoryRateLimiter } from './rate-limiter.js';

/**
 * Throttles guessing: an address that fails too often — unknown tokens at /v1/verify, bad
 * credentials at the management API — gets 429 for everything until its budget refills, so a
 * blocked guesser learns nothing from the answers. Counted in this process (each node guards
 * itself), so checking costs no round trip and no wait.
 */
export class FailureGuard {
  readonly #counters = new MemoryRateLimiter({ maxKeys: 100_000 });
  readonly #rule: RateLimitRule | undefined;

  /** `failuresPerMinute` 0 turns the guard off. */
  constructor(failuresPerMinute: number) {
    this.#rule = failuresPerMinute > 0 ? { name: 'failed-attempts', limit: failuresPerMinute, durationMs: 60_000 } : undefined;
  }

  /** Throws RATE_LIMITED while `address` has used up its failures. */
  check(address: string | undefined, now: number): void {
    if (!this.#rule || address === undefined) return;
    const { remaining, resetAt } = this.#counters.consumeNow([{ key: address, rule: this.#rule, cost: 0 }], now);
    // The bucket refills continuously: one more attempt is allowed as soon as one failure's worth has come back.
    if (remaining === 0) {
      const retryAfterMs = Math.ceil(this.#rule.durationMs / this.#rule.limit);
      throw new AppError('RATE_LIMITED', 'too many failed attempts from this address; retry later', {
        limit: this.#rule.limit,
        remaining: 0,
        resetAfterMs: resetAt - now,
        retryAfterMs,
      });
    }
  }

  fail(address: string | undefined, now: number): void {
    if (!this.#rule || address === undefined) return;
    this.#counters.consumeNow([{ key: address, rule: this.#rule, cost: 1 }], now);
  }
}
