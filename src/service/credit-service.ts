import { createHmac } from 'node:crypto';
import { formatCredits, MAX_CREDITS } from '../core/credits.js';
import { digestKeyOf } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import { planCharge } from '../core/metering.js';
import type { TokenRecord } from '../core/token.js';
import type { Verdict } from '../core/verify.js';
import type { CreditPool, CreditStore, Reservation } from '../store/credit-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy } from './access-policy.js';
import { tokenAuditTarget, type AuditService } from './audit-service.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';
import type { ChangeFeed } from './change-feed.js';
import type { TokenCache } from './token-cache.js';
import type { Presenter, VerifyService } from './verify-service.js';
import type { CreditWatch } from './credit-watch.js';

export type CreditOp = 'add' | 'set';

/** The longest a reservation may stay open before it refunds itself. */
export const MAX_RESERVATION_MS = 24 * 3600 * 1000;

/** Expired reservations read per query of a sweep. */
const EXPIRY_PAGE = 100;

/**
 * What a reservation is stored under: the SHA-256 of its id, as a token is stored under the
 * digest of its secret. The id is a bearer credential (its holder may commit or release), so
 * the store never sees it; answers show the id the caller presented.
 */
export const reservationKey = (id: string): string => digestKeyOf(id);

/** `res_` and 20 bytes (160 bits) in base64url. */
const reservationIdFrom = (bytes: Uint8Array): string => `res_${Buffer.from(bytes).toString('base64url')}`;

export type ReserveResult =
  | { valid: true; code: 'VALID'; reservation: Reservation; remaining: bigint }
  | { valid: false; code: Exclude<Verdict['code'], 'VALID'>; remaining?: bigint };

/** Balances of tokens and of shared pools, and reservations for costs known only afterwards. */
export class CreditService {
  constructor(
    private readonly deps: {
      credits: CreditStore;
      tokens: TokenStore;
      verify: VerifyService;
      access: AccessPolicy;
      audit: AuditService;
      cache: TokenCache;
      changes: ChangeFeed;
      runtime: Runtime;
      /** Derives the ids of reservations made with an Idempotency-Key. */
      secretKey: Buffer;
      /** Told of what a reservation took (credits.low, credits.exhausted webhooks). */
      creditWatch?: Pick<CreditWatch, 'charged'>;
    },
  ) {}

  /**
   * The token whose balance `adjustToken` would change, once everything it checks has passed:
   * `credits:write` (whatever API asks, Eden AI's PATCH too), the token's writability and a
   * balance of its own. A caller that changes other things in the same request asks this first,
   * so a refusal comes before any write.
   */
  async adjustableToken(ctx: CallContext, id: string): Promise<TokenRecord> {
    this.deps.access.requireScope(ctx.principal, 'credits:write');
    const token = await this.deps.access.writableToken(ctx.principal, await this.deps.tokens.findById(id));
    if (token.creditPool !== null) throw new AppError('CONFLICT', `this token draws from the pool of ${token.creditPool}; change the pool`);
    return token;
  }

  async adjustToken(ctx: CallContext, id: string, op: CreditOp, amount: bigint): Promise<TokenRecord> {
    const token = await this.adjustableToken(ctx, id);
    const credits = await this.deps.credits.adjustToken(token.id, op, amount, this.deps.runtime.now());
    if (credits === undefined) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    await this.deps.changes.publish([token]);
    await this.deps.audit.record(ctx, {
      ...tokenAuditTarget(token),
      action: 'token.credits',
      details: { op, amount: formatCredits(amount), credits: formatCredits(credits) },
    });
    return (await this.deps.tokens.findById(token.id)) ?? { ...token, credits };
  }

  /** The pool of a user (`usr_…`) or team (`team_…`): its owner, a team member, or an admin may read it. */
  async pool(ctx: CallContext, ownerId: string): Promise<CreditPool> {
    await this.#poolAccess(ctx, ownerId, 'read');
    const pool = await this.deps.credits.findPool(ownerId);
    if (!pool) throw new AppError('NOT_FOUND', 'this owner has no credit pool');
    return pool;
  }

  /** Creates or changes a pool: its user, a team's owners and members, or an admin. */
  async adjustPool(ctx: CallContext, ownerId: string, op: CreditOp, amount: bigint): Promise<CreditPool> {
    const teamId = await this.#poolAccess(ctx, ownerId, 'write');
    const pool = await this.deps.credits.changePool(ownerId, op, amount, this.deps.runtime.now());
    await this.deps.audit.record(ctx, {
      targetType: 'pool',
      targetId: ownerId,
      teamId,
      subjectUserId: ownerId.startsWith('usr_') ? ownerId : null,
      action: 'pool.credits',
      details: { op, amount: formatCredits(amount), credits: formatCredits(pool.credits) },
    });
    return pool;
  }

  /**
   * Verifies the token as `/v1/verify` does and takes `amount` from its balance (or pool)
   * into a reservation that `commit` or `release` settles, or that refunds itself at `expiresAt`.
   * With `idMaterial` the id is derived from it (derivedReservationId) instead of drawn at random.
   */
  async reserve(secret: string, amount: bigint, ttlMs: number, from: Presenter, idMaterial?: string): Promise<ReserveResult> {
    if (amount <= 0n || amount > MAX_CREDITS) throw new AppError('VALIDATION_ERROR', 'amount must be more than 0 and at most 10^9');
    if (ttlMs > MAX_RESERVATION_MS) throw new AppError('VALIDATION_ERROR', 'ttlMs may be at most 24 hours');
    // Every check of a verification, rate limits and the guessing guard included; the credits are held below.
    const admitted = await this.deps.verify.admitPresented(secret, { ip: from.client ?? from.caller }, from);
    if (!admitted.valid) return { valid: false, code: admitted.code };
    const { token } = admitted;
    if (!token) return { valid: false, code: 'NOT_FOUND' };
    const now = this.deps.runtime.now();
    const plan = planCharge(token, amount, now);
    if (!plan) throw new AppError('CONFLICT', 'the token has no active credits to reserve from');
    // The id alone lets its holder settle the reservation, so it is all randomness (160 bits), not a
    // sortable id; with an Idempotency-Key, 160 bits of an HMAC under the server key.
    const id = idMaterial === undefined ? reservationIdFrom(this.deps.runtime.randomBytes(20)) : this.derivedReservationId(idMaterial);
    const reservation: Reservation = {
      id: reservationKey(id),
      tokenId: token.id,
      poolId: plan.holder.kind === 'pool' ? plan.holder.id : null,
      amount,
      committed: null,
      state: 'open',
      expiresAt: now + ttlMs,
      createdAt: now,
      settledAt: null,
    };
    const result = await this.deps.credits.reserve(reservation, plan.holder, plan.refill);
    if (plan.refill) this.deps.cache.delete(token.digest.toString('base64url'));
    if (!result || !result.charged) return { valid: false, code: 'USAGE_EXCEEDED', remaining: result?.remaining ?? 0n };
    this.deps.creditWatch?.charged(token, plan.holder, amount, result.remaining);
    return { valid: true, code: 'VALID', reservation: { ...reservation, id }, remaining: result.remaining };
  }

  /**
   * The id `reserve` gives a reservation made with `idMaterial`, computed again: an idempotent
   * reserve keeps its answer for replays without the id, a bearer credential, and derives it
   * again on replay. Unguessable without the server's key.
   */
  derivedReservationId(idMaterial: string): string {
    return reservationIdFrom(createHmac('sha256', this.deps.secretKey).update(`reservation\n${idMaterial}`).digest().subarray(0, 20));
  }

  /** Keeps `amount` (at most what was reserved) and refunds the rest; once. */
  async commit(id: string, amount: bigint): Promise<Reservation> {
    if (amount < 0n) throw new AppError('VALIDATION_ERROR', 'amount must not be negative');
    return this.#settle(id, { outcome: 'commit', amount });
  }

  async release(id: string): Promise<Reservation> {
    return this.#settle(id, { outcome: 'release' });
  }

  async reservation(id: string): Promise<Reservation> {
    const found = await this.deps.credits.findReservation(reservationKey(id));
    if (!found) throw new AppError('NOT_FOUND', 'no such reservation');
    return { ...found, id };
  }

  /**
   * Refunds every reservation whose time ran out; returns how many. Runs on an interval and on
   * demand. A reservation whose settlement throws is reported to `onError` (with its stored key,
   * the digest of its id) and left open for the next sweep: one bad row must not keep everyone
   * else's refunds waiting.
   */
  async expireDue(onError: (error: unknown, key: string) => void = () => {}): Promise<number> {
    const now = this.deps.runtime.now();
    const failed = new Set<string>();
    let expired = 0;
    for (;;) {
      // The ones that failed are still open and expired, so they come back: ask for that many more.
      const limit = EXPIRY_PAGE + failed.size;
      const ids = await this.deps.credits.expiredReservations(now, limit);
      const untried = ids.filter((id) => !failed.has(id));
      for (const id of untried) {
        try {
          if (await this.deps.credits.settle(id, { outcome: 'expire' }, now)) expired++;
        } catch (error) {
          failed.add(id);
          onError(error, id);
        }
      }
      // A full page holds EXPIRY_PAGE untried ids, each settled or given up on: the sweep ends.
      if (ids.length < limit) return expired;
    }
  }

  async #settle(id: string, settlement: Parameters<CreditStore['settle']>[1]): Promise<Reservation> {
    const now = this.deps.runtime.now();
    const key = reservationKey(id);
    const settled = await this.deps.credits.settle(key, settlement, now);
    if (settled) return { ...settled, id };
    const found = await this.deps.credits.findReservation(key);
    if (!found) throw new AppError('NOT_FOUND', 'no such reservation');
    if (found.state === 'open' && found.expiresAt <= now) {
      // Past its time: refund it now rather than wait for the sweep.
      await this.deps.credits.settle(key, { outcome: 'expire' }, now);
      throw new AppError('CONFLICT', 'the reservation expired and was refunded');
    }
    if (found.state !== 'open') throw new AppError('CONFLICT', `the reservation is already ${found.state}`);
    throw new AppError('VALIDATION_ERROR', `amount may be at most the reserved ${formatCredits(found.amount)}`);
  }

  /** Who may see or fund an owner's pool; returns the team id for the audit log. */
  async #poolAccess(ctx: CallContext, ownerId: string, need: 'read' | 'write'): Promise<string | null> {
    const { principal } = ctx;
    if (ownerId.startsWith('team_')) {
      const access =
        need === 'write' ? await this.deps.access.writableTeam(principal, { id: ownerId }) : await this.deps.access.team(principal, { id: ownerId });
      return access.team.id;
    }
    // A user's pool is theirs to manage, like their own tokens' balances (not a team-scoped token's).
    const own = ownerId === principal.user.id && this.deps.access.teamScopeOf(principal) === null;
    if (!own && !this.deps.access.isAdmin(principal)) throw new AppError('NOT_FOUND', 'this owner has no credit pool');
    return null;
  }
}
