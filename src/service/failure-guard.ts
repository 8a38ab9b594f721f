import { addressBlock } from '../core/address-block.js';
import { AppError } from '../core/errors.js';
import type { RateLimitRule } from '../core/rate-limit.js';
import { MemoryRateLimiter } from './rate-limiter.js';

/**
 * Whose failures are counted, and what happens past the budget:
 * - `credential`: a caller presenting its own credential (the management API, Edge Config reads)
 *   or looking a secret up; past the budget it is locked out: 429 for everything, good
 *   credentials included, so the answers tell it nothing.
 * - `client`: the end client an API names when it asks on that client's behalf (`ip` in a
 *   verification); locked out the same way, at that API only (the count is per caller and
 *   client: nobody can lock an address out of every API by naming it in their own guesses).
 * - `caller`: whoever asks about tokens others presented (an API's server calling /v1/verify);
 *   never locked out, or one guesser among its customers would deny them all: its failures
 *   themselves are answered more slowly.
 */
export type GuardedParty = 'credential' | 'client' | 'caller';

/** An address, or the addresses a count is kept for together (a caller and the client it names). */
export type Who = string | readonly string[];

/**
 * Throttles guessing of secrets. Counted per address block (addressBlock: an IPv6 /64) in this
 * process, so checking costs no round trip and no wait; each node guards itself.
 */
export class FailureGuard {
  readonly #counters = new MemoryRateLimiter({ maxKeys: 100_000 });
  readonly #rule: RateLimitRule | undefined;

  /** `failuresPerMinute` 0 turns the guard off. */
  constructor(failuresPerMinute: number) {
    this.#rule = failuresPerMinute > 0 ? { name: 'failed-attempts', limit: failuresPerMinute, durationMs: 60_000 } : undefined;
  }

  /** Throws RATE_LIMITED while `who` has used up its failures as this party. */
  check(party: Exclude<GuardedParty, 'caller'>, who: Who, now: number): void {
    if (!this.#rule) return;
    const { remaining, resetAt } = this.#peek(party, who, now);
    if (remaining === 0) {
      throw new AppError('RATE_LIMITED', 'too many failed attempts from this address; retry later', {
        limit: this.#rule.limit,
        remaining: 0,
        resetAfterMs: resetAt - now,
        retryAfterMs: this.#failureWorthMs(this.#rule),
      });
    }
  }

  fail(party: GuardedParty, who: Who, now: number): void {
    if (this.#rule) this.#counters.consumeNow([{ key: keyOf(party, who), rule: this.#rule, cost: 1 }], now);
  }

  /**
   * Counts a failure and says how long its answer should wait: 0 within the budget, else the
   * time one failure's worth takes to come back. A guesser past its budget then gets about as
   * many answers as the budget allows per connection it holds open; good tokens are not held.
   */
  slowDown(party: GuardedParty, who: Who, now: number): number {
    if (!this.#rule) return 0;
    const over = this.#peek(party, who, now).remaining === 0;
    this.fail(party, who, now);
    return over ? this.#failureWorthMs(this.#rule) : 0;
  }

  /** The budget as it stands, spending nothing. */
  #peek(party: GuardedParty, who: Who, now: number) {
    return this.#counters.consumeNow([{ key: keyOf(party, who), rule: this.#rule!, cost: 0 }], now);
  }

  /** The bucket refills continuously: one more attempt is allowed as soon as one failure's worth has come back. */
  #failureWorthMs(rule: RateLimitRule): number {
    return Math.ceil(rule.durationMs / rule.limit);
  }
}

function keyOf(party: GuardedParty, who: Who): string {
  return `${party} ${(typeof who === 'string' ? [who] : who).map(addressBlock).join(' ')}`;
}
