import { idempotencyKeyFor, type CallOptions, type IdempotentCallOptions, type Transport } from './transport.js';
import type { CreditAmount, Reservation, ReserveRequest, ReserveResult } from './types.js';

const reservationPath = (id: string) => `/v1/credits/${encodeURIComponent(id)}`;

/**
 * `tessera.reservations`: credits held for a call whose cost is known only afterwards. Like
 * verification these need no management token: the token, then the reservation id, is the proof.
 * Each step carries an Idempotency-Key, so a retry neither holds twice nor settles twice.
 */
export class ReservationsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Verifies the token and holds `amount` for `ttlMs`; a refusal is `{valid: false, code}`, not an error. */
  reserve(request: ReserveRequest, options: IdempotentCallOptions = {}): Promise<ReserveResult> {
    const idempotencyKey = idempotencyKeyFor(options);
    return this.#transport.send({ method: 'POST', path: '/v1/credits/reserve', body: request, authenticated: false, idempotencyKey }, options);
  }

  /** Keeps what the call cost (at most what was held) and refunds the rest. */
  commit(reservationId: string, amount: CreditAmount, options: IdempotentCallOptions = {}): Promise<Reservation> {
    const idempotencyKey = idempotencyKeyFor(options);
    const path = `${reservationPath(reservationId)}/commit`;
    return this.#transport.send({ method: 'POST', path, body: { amount }, authenticated: false, idempotencyKey }, options);
  }

  /** Refunds the whole reservation. */
  release(reservationId: string, options: IdempotentCallOptions = {}): Promise<Reservation> {
    const idempotencyKey = idempotencyKeyFor(options);
    return this.#transport.send({ method: 'POST', path: `${reservationPath(reservationId)}/release`, authenticated: false, idempotencyKey }, options);
  }

  /** The reservation and its state: `open`, `committed`, `released` or `expired`. */
  get(reservationId: string, options: CallOptions = {}): Promise<Reservation> {
    return this.#transport.send({ method: 'GET', path: reservationPath(reservationId), authenticated: false }, options);
  }
}
