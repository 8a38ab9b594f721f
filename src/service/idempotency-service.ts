import type { IdempotencyRecord, IdempotencyStore } from '../store/idempotency-store.js';
import type { Clock } from './runtime.js';

/** How long a key's first answer is given back instead of acting again. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** A claim of an `Idempotency-Key`: this request's own, from `createdAt` on, or the record that already holds the key. */
export type IdempotencyClaimOutcome = { claimed: true; createdAt: number } | { claimed: false; held: IdempotencyRecord };

/**
 * `Idempotency-Key` records over their store: claimed with the clock's time and kept for
 * IDEMPOTENCY_TTL_MS. What a key means for a request (its scope, replays, mismatches) is the
 * HTTP layer's; this owns when records start and expire.
 */
export class IdempotencyService {
  constructor(private readonly deps: { idempotency: IdempotencyStore; runtime: Clock }) {}

  /** Claims `key` in `scope` for the request with this hash; an expired record is replaced. */
  async claim(scope: string, key: string, requestHash: string): Promise<IdempotencyClaimOutcome> {
    const now = this.deps.runtime.now();
    const held = await this.deps.idempotency.claim(
      { scope, key, requestHash, status: null, body: null, createdAt: now, expiresAt: now + IDEMPOTENCY_TTL_MS },
      now,
    );
    return held === true ? { claimed: true, createdAt: now } : { claimed: false, held };
  }

  /** Keeps the answer of a claimed request for its retries. */
  complete(scope: string, key: string, status: number, body: string): Promise<void> {
    return this.deps.idempotency.complete(scope, key, status, body);
  }

  /** Lets a retry of a refused request (4xx, which changed nothing) act again. */
  release(scope: string, key: string): Promise<void> {
    return this.deps.idempotency.release(scope, key);
  }

  /** Forgets the expired records; returns how many. */
  purge(): Promise<number> {
    return this.deps.idempotency.purge(this.deps.runtime.now());
  }
}
