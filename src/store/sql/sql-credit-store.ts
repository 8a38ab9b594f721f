import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { MAX_CREDITS } from '../../core/credits.js';
import type { DueRefill } from '../../core/refill.js';
import {
  balanceOverflow,
  SETTLED_STATE,
  type ChargeResult,
  type CreditHolder,
  type CreditPool,
  type CreditStore,
  type Reservation,
  type ReservationState,
  type Settlement,
} from '../credit-store.js';
import { turnEnd } from '../../lib/turn.js';
import { millis, withConflict } from './driver/conflicts.js';
import { traitsOf } from './driver/dialect.js';
import { GroupCommit } from './driver/group-commit.js';
import { precompiled } from './driver/precompiled.js';
import type { CreditReservationsTable, Database, SqlDialect } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A parameter typed as bigint: PostgreSQL would otherwise compare two bare parameters as text. */
const bigintParam = (value: bigint) => sql<bigint>`cast(${value} as bigint)`;
const inCreditRange = (value: RawBuilder<bigint>) => sql<boolean>`${value} between ${bigintParam(-MAX_CREDITS)} and ${bigintParam(MAX_CREDITS)}`;

/** Exact balances: SQLite hands integers past 2⁵³ back as lossy numbers, text never. */
const creditsText = sql<string>`cast(credits as text)`.as('credits');

/**
 * The guarded charges, compiled once: a verification with a cost runs one of them, and on SQLite
 * building the query took longer than the UPDATE. Each takes `total` from the balance, the sum
 * of charges in a row of which `before` come ahead of the last: the balance must still be
 * positive after `before` and cover `total`. For one charge (`before` 0) that is the plain
 * guard, the balance positive and covering the cost, so a cost of 0 is refused once the balance
 * is spent; for several, it holds exactly when each one's own guard would hold in turn, as
 * costs are never negative.
 */
function chargeQueries(db: Kysely<Database>) {
  const take = (cost: bigint) => sql<bigint>`credits - ${cost}`;
  return {
    token: precompiled(['id', 'total', 'before'], ({ id, total, before }) =>
      db
        .updateTable('tokens')
        .set({ credits: take(total) })
        .where('id', '=', id)
        .where('credits_active', '=', 1)
        .where('credits', 'is not', null)
        .where(take(before), '>', 0n)
        .where('credits', '>=', total)
        .returning(creditsText),
    ),
    pool: precompiled(['id', 'total', 'before'], ({ id, total, before }) =>
      db
        .updateTable('credit_pools')
        .set({ credits: take(total) })
        .where('owner_id', '=', id)
        .where(take(before), '>', 0n)
        .where('credits', '>=', total)
        .returning(creditsText),
    ),
  };
}
type ChargeQueries = ReturnType<typeof chargeQueries>;

/** The charges of one holder asked for in one turn, taken in one statement when the balance covers them all. */
interface HolderCharges {
  costs: bigint[];
  results: Promise<Array<ChargeResult | undefined>>;
}

export class SqlCreditStore implements CreditStore {
  readonly #charges: ChargeQueries;
  /** With group commit (SQLite): the writes of one event-loop turn share a commit, one after the other. */
  readonly #group: GroupCommit<Database> | undefined;
  /** The charges of this turn not yet applied, by holder. */
  readonly #pending = new Map<string, HolderCharges>();

  constructor(
    private readonly db: Kysely<Database>,
    dialect: SqlDialect,
  ) {
    this.#charges = chargeQueries(db);
    this.#group = traitsOf(dialect).groupCommit ? new GroupCommit(db) : undefined;
  }

  /**
   * The charges of one holder asked for in one turn are taken together (see chargeAll), and
   * answered each as it would be alone, in the order they came. A charge with a refill due runs
   * on its own, and the holder's next charges after it: on SQLite, which runs a turn's writes
   * in order, none moves ahead of the refill. PostgreSQL runs the batches side by side on its
   * pool, each charge atomic, as it ran single charges before.
   */
  charge(holder: CreditHolder, cost: bigint, refill?: DueRefill): Promise<ChargeResult | undefined> {
    const key = `${holder.kind}:${holder.id}`;
    if (refill) {
      this.#pending.delete(key);
      return this.#atTurnEnd((db) => chargeIn(db, this.#charges, holder, cost, refill));
    }
    let batch = this.#pending.get(key);
    if (!batch) {
      const costs: bigint[] = [];
      const results = this.#atTurnEnd((db) => {
        // From here on this holder's charges go to the next batch: these costs are being read.
        if (this.#pending.get(key) === batch) this.#pending.delete(key);
        return chargeAll(db, this.#charges, holder, costs);
      });
      batch = { costs, results };
      this.#pending.set(key, batch);
    }
    const index = batch.costs.push(cost) - 1;
    return batch.results.then((results) => results[index]);
  }

  /** Runs a write once this turn's requests are read: in the turn's group commit (SQLite), else on the pool (PostgreSQL). */
  #atTurnEnd<T>(work: (db: Db) => Promise<T>): Promise<T> {
    if (this.#group) return this.#group.run(work);
    return turnEnd().then(() => work(this.db));
  }

  async adjustToken(tokenId: string, op: 'add' | 'set', amount: bigint, now: number): Promise<bigint | undefined> {
    const next = op === 'set' ? bigintParam(amount) : sql<bigint>`coalesce(credits, 0) + ${amount}`;
    const row = await this.db
      .updateTable('tokens')
      .set({ credits: next, updated_at: now })
      .where('id', '=', tokenId)
      .where(inCreditRange(next))
      .returning(creditsText)
      .executeTakeFirst();
    if (row) return BigInt(row.credits);
    // Nothing changed: an unknown token, or one the change would take out of range.
    const exists = await this.db.selectFrom('tokens').select('id').where('id', '=', tokenId).executeTakeFirst();
    if (exists) throw balanceOverflow();
    return undefined;
  }

  async balance(holder: CreditHolder): Promise<bigint | undefined> {
    const row = await readBalance(this.db, holder);
    return row?.credits != null ? BigInt(row.credits) : undefined;
  }

  async changePool(ownerId: string, op: 'add' | 'set', amount: bigint, now: number): Promise<CreditPool> {
    const next = op === 'set' ? bigintParam(amount) : sql<bigint>`credit_pools.credits + ${amount}`;
    const row = await this.db
      .insertInto('credit_pools')
      .values({ owner_id: ownerId, credits: amount, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('owner_id').doUpdateSet({ credits: next, updated_at: now }).where(inCreditRange(next)))
      .returning(['owner_id', creditsText, 'created_at', 'updated_at'])
      .executeTakeFirst();
    if (!row) throw balanceOverflow();
    return { ownerId: row.owner_id, credits: BigInt(row.credits), createdAt: millis(row.created_at), updatedAt: millis(row.updated_at) };
  }

  async findPool(ownerId: string): Promise<CreditPool | undefined> {
    const row = await this.db
      .selectFrom('credit_pools')
      .select(['owner_id', creditsText, 'created_at', 'updated_at'])
      .where('owner_id', '=', ownerId)
      .executeTakeFirst();
    return row && { ownerId: row.owner_id, credits: BigInt(row.credits), createdAt: millis(row.created_at), updatedAt: millis(row.updated_at) };
  }

  async reserve(reservation: Reservation, holder: CreditHolder, refill?: DueRefill): Promise<ChargeResult | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const result = await chargeIn(tx, this.#charges, holder, reservation.amount, refill);
      if (result?.charged) {
        await withConflict('reservation', () => tx.insertInto('credit_reservations').values(toRow(reservation)).execute());
      }
      return result;
    });
  }

  async findReservation(id: string): Promise<Reservation | undefined> {
    const row = await this.db.selectFrom('credit_reservations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async settle(id: string, settlement: Settlement, now: number): Promise<Reservation | undefined> {
    const kept = settlement.outcome === 'commit' ? settlement.amount : 0n;
    if (kept < 0n) return undefined;
    const state = SETTLED_STATE[settlement.outcome];
    return this.db.transaction().execute(async (tx) => {
      // The state change is the guard: of concurrent settlements, exactly one moves the row out of 'open'.
      const row = await tx
        .updateTable('credit_reservations')
        .set({ state, committed: kept, settled_at: now })
        .where('id', '=', id)
        .where('state', '=', 'open')
        .where('expires_at', settlement.outcome === 'expire' ? '<=' : '>', now)
        .where('amount', '>=', kept)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      const reservation = fromRow(row);
      const refund = reservation.amount - kept;
      if (refund > 0n) {
        // Capped at 10⁹ in the same statement: a balance set back to 10⁹ while the amount was held
        // would otherwise pass it, and enough such refunds overflow the 64-bit column.
        const credits = sql<bigint>`case when credits > ${bigintParam(MAX_CREDITS - refund)} then ${bigintParam(MAX_CREDITS)} else credits + ${refund} end`;
        if (reservation.poolId !== null) {
          await tx.updateTable('credit_pools').set({ credits }).where('owner_id', '=', reservation.poolId).execute();
        } else {
          await tx.updateTable('tokens').set({ credits }).where('id', '=', reservation.tokenId).where('credits', 'is not', null).execute();
        }
      }
      return reservation;
    });
  }

  async expiredReservations(now: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('credit_reservations')
      .select('id')
      .where('state', '=', 'open')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }
}

/**
 * Charges in a row on one holder, answered each as if alone and in order: one statement takes
 * their sum when the balance covers all of them, else each is charged in turn.
 */
async function chargeAll(db: Db, charges: ChargeQueries, holder: CreditHolder, costs: readonly bigint[]): Promise<Array<ChargeResult | undefined>> {
  const total = costs.reduce((sum, cost) => sum + cost, 0n);
  if (costs.length > 1 && total <= MAX_CREDITS && costs.every((cost) => cost >= 0n)) {
    const before = total - costs[costs.length - 1]!;
    const { rows } = await db.executeQuery(charges[holder.kind]({ id: holder.id, total, before }));
    if (rows[0]) {
      // The balance after each charge: what is left at the end plus the charges after it.
      const results: ChargeResult[] = [];
      let remaining = BigInt(rows[0].credits);
      for (let i = costs.length - 1; i >= 0; i--) {
        results[i] = { charged: true, remaining };
        remaining += costs[i]!;
      }
      return results;
    }
  }
  const results: Array<ChargeResult | undefined> = [];
  for (const cost of costs) results.push(await chargeIn(db, charges, holder, cost));
  return results;
}

/** Refill (once per period, guarded by last_refill_at), then the guarded charge; each one atomic statement. */
async function chargeIn(db: Db, charges: ChargeQueries, holder: CreditHolder, cost: bigint, refill?: DueRefill): Promise<ChargeResult | undefined> {
  if (holder.kind === 'token' && refill) {
    await db
      .updateTable('tokens')
      .set({ credits: refill.amount, last_refill_at: refill.periodStart })
      .where('id', '=', holder.id)
      .where('credits_active', '=', 1)
      .where('credits', 'is not', null)
      // A rotated token (its revocation scheduled) verifies through its grace period, but its
      // balance went to the successor: refilled too, the two would spend the budget twice.
      .where('revoked_at', 'is', null)
      .where(sql<boolean>`coalesce(last_refill_at, created_at) < ${refill.periodStart}`)
      .execute();
  }
  const { rows } = await db.executeQuery(charges[holder.kind]({ id: holder.id, total: cost, before: 0n }));
  const row = rows[0];
  if (row) return { charged: true, remaining: BigInt(row.credits) };
  const current = await readBalance(db, holder);
  if (!current || current.credits === null || current.active === false) return undefined;
  return { charged: false, remaining: BigInt(current.credits) };
}

async function readBalance(db: Db, holder: CreditHolder): Promise<{ credits: string | null; active: boolean } | undefined> {
  if (holder.kind === 'token') {
    const row = await db.selectFrom('tokens').select([creditsText, 'credits_active']).where('id', '=', holder.id).executeTakeFirst();
    return row && { credits: row.credits, active: Number(row.credits_active) === 1 };
  }
  const row = await db.selectFrom('credit_pools').select(creditsText).where('owner_id', '=', holder.id).executeTakeFirst();
  return row && { credits: row.credits, active: true };
}

function toRow(r: Reservation): CreditReservationsTable {
  return {
    id: r.id,
    token_id: r.tokenId,
    pool_id: r.poolId,
    amount: r.amount,
    committed: r.committed,
    state: r.state,
    expires_at: r.expiresAt,
    created_at: r.createdAt,
    settled_at: r.settledAt,
  };
}

function fromRow(r: Selectable<CreditReservationsTable>): Reservation {
  return {
    id: r.id,
    tokenId: r.token_id,
    poolId: r.pool_id,
    amount: BigInt(r.amount),
    committed: r.committed === null ? null : BigInt(r.committed),
    state: r.state as ReservationState,
    expiresAt: millis(r.expires_at),
    createdAt: millis(r.created_at),
    settledAt: millis(r.settled_at),
  };
}
