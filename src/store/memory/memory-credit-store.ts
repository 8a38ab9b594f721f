import { MAX_CREDITS } from '../../core/credits.js';
import { AppError } from '../../core/errors.js';
import type { DueRefill } from '../../core/refill.js';
import {
  balanceOverflow,
  SETTLED_STATE,
  type ChargeResult,
  type CreditHolder,
  type CreditPool,
  type CreditStore,
  type Reservation,
  type Settlement,
} from '../credit-store.js';
import type { MemoryTokenStore } from './memory-token-store.js';

/** What a token with a balance and a pool have in common; pools have no refills and are never revoked. */
interface Balance {
  credits: bigint;
  lastRefillAt?: number | null;
  revokedAt?: number | null;
  createdAt: number;
}

/** The in-memory fake. Each method runs without awaiting in between, so it is atomic like the SQL statements. */
export class MemoryCreditStore implements CreditStore {
  readonly #pools = new Map<string, CreditPool>();
  readonly #reservations = new Map<string, Reservation>();

  constructor(private readonly tokens: MemoryTokenStore) {
    // As the SQL token store does in its rotation's transaction: refunds follow the token.
    tokens.onRotate((oldId, newId) => {
      for (const r of this.#reservations.values()) if (r.tokenId === oldId && r.state === 'open') r.tokenId = newId;
    });
  }

  async charge(holder: CreditHolder, cost: bigint, refill?: DueRefill): Promise<ChargeResult | undefined> {
    return this.#charge(holder, cost, refill);
  }

  #charge(holder: CreditHolder, cost: bigint, refill?: DueRefill): ChargeResult | undefined {
    const balance = this.#balanceOf(holder);
    if (!balance) return undefined;
    if (refill && !balance.revokedAt && (balance.lastRefillAt ?? balance.createdAt) < refill.periodStart) {
      balance.credits = refill.amount;
      balance.lastRefillAt = refill.periodStart;
    }
    if (balance.credits <= 0n || balance.credits < cost) return { charged: false, remaining: balance.credits };
    balance.credits -= cost;
    return { charged: true, remaining: balance.credits };
  }

  async adjustToken(tokenId: string, op: 'add' | 'set', amount: bigint, now: number): Promise<bigint | undefined> {
    const token = this.tokens.live(tokenId);
    if (!token) return undefined;
    const next = op === 'set' ? amount : (token.credits ?? 0n) + amount;
    if (next > MAX_CREDITS || next < -MAX_CREDITS) throw balanceOverflow();
    token.credits = next;
    token.updatedAt = now;
    return next;
  }

  async balance(holder: CreditHolder): Promise<bigint | undefined> {
    return this.#balanceOf(holder, { active: false })?.credits;
  }

  async changePool(ownerId: string, op: 'add' | 'set', amount: bigint, now: number): Promise<CreditPool> {
    const existing = this.#pools.get(ownerId);
    const credits = op === 'set' || !existing ? amount : existing.credits + amount;
    if (credits > MAX_CREDITS || credits < -MAX_CREDITS) throw balanceOverflow();
    const pool = existing ? { ...existing, credits, updatedAt: now } : { ownerId, credits, createdAt: now, updatedAt: now };
    this.#pools.set(ownerId, pool);
    return { ...pool };
  }

  async findPool(ownerId: string): Promise<CreditPool | undefined> {
    const pool = this.#pools.get(ownerId);
    return pool && { ...pool };
  }

  async reserve(reservation: Reservation, holder: CreditHolder, refill?: DueRefill): Promise<ChargeResult | undefined> {
    if (this.#reservations.has(reservation.id)) throw new AppError('CONFLICT', 'reservation exists');
    const result = this.#charge(holder, reservation.amount, refill);
    if (result?.charged) this.#reservations.set(reservation.id, { ...reservation });
    return result;
  }

  async findReservation(id: string): Promise<Reservation | undefined> {
    const reservation = this.#reservations.get(id);
    return reservation && { ...reservation };
  }

  async settle(id: string, settlement: Settlement, now: number): Promise<Reservation | undefined> {
    const r = this.#reservations.get(id);
    if (!r || r.state !== 'open') return undefined;
    const expired = r.expiresAt <= now;
    if (settlement.outcome === 'expire' ? !expired : expired) return undefined;
    const kept = settlement.outcome === 'commit' ? settlement.amount : 0n;
    if (kept < 0n || kept > r.amount) return undefined;
    const holder: CreditHolder = r.poolId !== null ? { kind: 'pool', id: r.poolId } : { kind: 'token', id: r.tokenId };
    const balance = this.#balanceOf(holder, { active: false });
    // A deleted token or pool has nothing left to refund into; a refund past 10⁹ fills it to 10⁹.
    if (balance) balance.credits = min(balance.credits + r.amount - kept, MAX_CREDITS);
    r.state = SETTLED_STATE[settlement.outcome];
    r.committed = kept;
    r.settledAt = now;
    return { ...r };
  }

  async expiredReservations(now: number, limit: number): Promise<string[]> {
    return [...this.#reservations.values()]
      .filter((r) => r.state === 'open' && r.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, limit)
      .map((r) => r.id);
  }

  /** The stored token or pool itself, so writes land in it. */
  #balanceOf(holder: CreditHolder, { active = true } = {}): Balance | undefined {
    if (holder.kind === 'pool') return this.#pools.get(holder.id);
    const token = this.tokens.live(holder.id);
    if (!token || token.credits === null || (active && !token.creditsActive)) return undefined;
    return token as Balance;
  }
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
