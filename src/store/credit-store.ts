import { AppError } from '../core/errors.js';
import type { CreditHolder } from '../core/metering.js';
import type { DueRefill } from '../core/refill.js';

export type { CreditHolder };

export interface ChargeResult {
  charged: boolean;
  /** The balance after the charge, or as it stands when the charge was refused. */
  remaining: bigint;
}

export interface CreditPool {
  ownerId: string;
  credits: bigint;
  createdAt: number;
  updatedAt: number;
}

export const RESERVATION_STATES = ['open', 'committed', 'released', 'expired'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

export interface Reservation {
  /**
   * In a store, the key of the reservation: the SHA-256 (base64url) of the id its holder
   * presents, never the id itself (reservationKey in credit-service.ts). A service answer shows the id.
   */
  id: string;
  tokenId: string;
  /** Set when the amount came from a shared pool rather than the token's balance. */
  poolId: string | null;
  amount: bigint;
  committed: bigint | null;
  state: ReservationState;
  expiresAt: number;
  createdAt: number;
  settledAt: number | null;
}

export type Settlement = { outcome: 'commit'; amount: bigint } | { outcome: 'release' } | { outcome: 'expire' };

/** The state a settlement leaves a reservation in. */
export const SETTLED_STATE = { commit: 'committed', release: 'released', expire: 'expired' } as const satisfies Record<Settlement['outcome'], ReservationState>;

/** What every store throws when a change would take a balance past ±10⁹ credits. */
export function balanceOverflow(): AppError {
  return new AppError('CONFLICT', 'the balance would pass 10^9 credits');
}

/**
 * Balances, shared pools and reservations. Every method is one guarded, atomic change in the
 * store (`… where credits >= cost`): never a read-modify-write in JavaScript, so concurrent
 * callers, on one node or many, can never overspend. On every path a balance stays within
 * ±10⁹ credits (MAX_CREDITS), so any sum of two fits a signed 64-bit column.
 */
export interface CreditStore {
  /**
   * Applies `refill` if the holder was last refilled before its period and is no token whose
   * revocation is scheduled (rotated: the successor has the balance), then takes `cost` if
   * the balance is positive and covers it. undefined: no such holder, or a token whose
   * credits are not active.
   */
  charge(holder: CreditHolder, cost: bigint, refill?: DueRefill): Promise<ChargeResult | undefined>;
  /**
   * Adds to (`add`, may be negative) or replaces (`set`) a token's balance, from 0 when it has
   * none; undefined for an unknown token, CONFLICT when it would pass 10⁹. Pools: changePool.
   */
  adjustToken(tokenId: string, op: 'add' | 'set', amount: bigint, now: number): Promise<bigint | undefined>;
  balance(holder: CreditHolder): Promise<bigint | undefined>;

  /**
   * Sets (`set`) or adds to (`add`) the owner's pool, creating it from 0 when it has none; one
   * atomic upsert, so concurrent adds all count. CONFLICT when the balance would pass 10⁹.
   */
  changePool(ownerId: string, op: 'add' | 'set', amount: bigint, now: number): Promise<CreditPool>;
  findPool(ownerId: string): Promise<CreditPool | undefined>;

  /** In one transaction: charges the reservation's amount and records it, or does neither. */
  reserve(reservation: Reservation, holder: CreditHolder, refill?: DueRefill): Promise<ChargeResult | undefined>;
  findReservation(id: string): Promise<Reservation | undefined>;
  /**
   * Moves an open reservation to its final state and refunds what it does not keep, once:
   * undefined when it was not open (already settled, or unknown). A commit of more than was
   * reserved, or a commit or release after `expiresAt`, changes nothing and answers undefined.
   * A refund that would take the balance past 10⁹ fills it to 10⁹ (the balance may have been
   * set meanwhile); a settlement is never refused for it.
   */
  settle(id: string, settlement: Settlement, now: number): Promise<Reservation | undefined>;
  /** Ids of open reservations whose time ran out, oldest first. */
  expiredReservations(now: number, limit: number): Promise<string[]>;
}
