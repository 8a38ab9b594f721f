import { idempotencyKeyFor, type CallOptions, type IdempotentCallOptions, type Transport } from './transport.js';
import type { CreditAmount, CreditPool, TokenCredits } from './types.js';

type CreditOp = 'add' | 'set';

/**
 * `tessera.credits`: balances of tokens and of users' and teams' shared pools (the client's token
 * needs `credits:write`, or `credits:read` to read a pool). Every change carries an
 * Idempotency-Key, so an `add` retried after a lost answer adds once.
 */
export class CreditsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** Adds `amount` to the token's balance (a negative amount takes away). */
  add(tokenId: string, amount: CreditAmount, options: IdempotentCallOptions = {}): Promise<TokenCredits> {
    return this.#change(`/v1/tokens/${encodeURIComponent(tokenId)}/credits`, 'add', amount, options);
  }

  /** Sets the token's balance to `amount`. */
  set(tokenId: string, amount: CreditAmount, options: IdempotentCallOptions = {}): Promise<TokenCredits> {
    return this.#change(`/v1/tokens/${encodeURIComponent(tokenId)}/credits`, 'set', amount, options);
  }

  /** The shared pool of a user (`usr_…`) or team (`team_…`). */
  pool(ownerId: string, options: CallOptions = {}): Promise<CreditPool> {
    return this.#transport.send({ method: 'GET', path: poolPath(ownerId), authenticated: true }, options);
  }

  /** Adds to a user's or team's shared pool, made on first use. */
  addToPool(ownerId: string, amount: CreditAmount, options: IdempotentCallOptions = {}): Promise<CreditPool> {
    return this.#change(`${poolPath(ownerId)}/credits`, 'add', amount, options);
  }

  /** Sets a user's or team's shared pool, made on first use. */
  setPool(ownerId: string, amount: CreditAmount, options: IdempotentCallOptions = {}): Promise<CreditPool> {
    return this.#change(`${poolPath(ownerId)}/credits`, 'set', amount, options);
  }

  #change<T>(path: string, op: CreditOp, amount: CreditAmount, options: IdempotentCallOptions): Promise<T> {
    const idempotencyKey = idempotencyKeyFor(options);
    return this.#transport.send({ method: 'POST', path, body: { op, amount }, authenticated: true, idempotencyKey }, options);
  }
}

const poolPath = (ownerId: string) => `/v1/credit-pools/${encodeURIComponent(ownerId)}`;
