import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { foldAscii, type TokenUse } from '../../token-store.js';
import type { Database, SqlDialect } from '../schema.js';

/**
 * What the SQL stores do differently on SQLite and on PostgreSQL, one member per difference.
 * SQLite is one file with one writer at a time, in this process's one connection, and binds
 * only scalars; PostgreSQL is a server with row locks, a pool of connections and array
 * parameters. The stores ask these; none of them tests the dialect's name.
 */
export interface DialectTraits {
  /** Whether the short writes of one event-loop turn share one transaction (group-commit.ts). */
  readonly groupCommit: boolean;
  /** `query`, the rows it reads locked against other writers until its transaction ends (where the transaction has not locked them already). */
  lockForUpdate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /**
   * `query`, the rows it reads kept from changing (updated, deleted, locked for update) until its
   * transaction ends; other readers that lock them so are not held up.
   */
  lockForShare<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
  /**
   * Tokens whose name starts with `prefix` (not empty), ASCII letters in either case, other
   * characters compared code point by code point, as a range an index on the folded name answers
   * (tokens_owner_folded_name, tokens_team_folded_name): SQLite's BINARY collation orders UTF-8
   * bytes, and on PostgreSQL the name is read in collation "C" (bytes too); the database's own
   * collation would order by locale.
   */
  namePrefix(prefix: string): RawBuilder<SqlBool>;
  /** `column` equal to one of `values`. */
  bytesIn(column: string, values: readonly Buffer[]): RawBuilder<SqlBool>;
  /** The `(id, count, at)` rows of a flush of uses, as the row sources of the statements that add them, run in this order. */
  usedRows(uses: readonly TokenUse[]): Array<RawBuilder<unknown>>;
  /** Runs `work` holding the database-wide lock `lockId` (startup-lock.ts), waiting for it at most `waitMs` where the dialect can bound the wait. */
  withStartupLock<T>(db: Kysely<Database>, lockId: bigint, waitMs: number, work: () => Promise<T>): Promise<T>;
}

/** `column` from `prefix` up to (not including) the first string after every string that starts with it. */
function prefixRange(column: RawBuilder<unknown>, prefix: string): RawBuilder<SqlBool> {
  const end = prefixEnd(prefix);
  return end === undefined ? sql<SqlBool>`${column} >= ${prefix}` : sql<SqlBool>`${column} >= ${prefix} and ${column} < ${end}`;
}

/**
 * The least string greater than every string starting with `prefix`: its last code point that can
 * grow, grown by one (past the surrogates, which UTF-8 cannot hold), the rest dropped; undefined
 * when every code point is the greatest.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1;
      return String.fromCodePoint(...points, next);
    }
  }
  return undefined;
}

/**
 * Rows per statement of a SQLite flush: each statement holds the event loop while it runs, and
 * 500 rows scattered over a 1M-token table took long enough to show in the p99 of verifications.
 */
const USES_PER_STATEMENT = 100;

export const sqliteTraits: DialectTraits = {
  // A commit (the WAL append and the locks around it) costs more than a one-row guarded UPDATE.
  groupCommit: true,
  // Every transaction begins `immediate` (immediate-sqlite-dialect.ts): it holds the database's write lock already.
  lockForUpdate: (query) => query,
  lockForShare: (query) => query,
  namePrefix: (prefix) => prefixRange(sql`lower(name)`, foldAscii(prefix)),
  // No array parameters: one parameter each.
  bytesIn: (column, values) => sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})`,
  usedRows(uses) {
    // SQLite has one writer, so no lock order to keep. The statements are short, so that the
    // event loop can serve what is waiting between them: a batch of thousands of tokens (a
    // flush under cache-miss load) run in one go held every request for tens of milliseconds.
    // In the order of the ids, the statements walk the b-trees once from end to end instead of
    // each all over them.
    const sorted = [...uses].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const statements: Array<RawBuilder<unknown>> = [];
    for (let i = 0; i < sorted.length; i += USES_PER_STATEMENT) {
      const rows = sorted.slice(i, i + USES_PER_STATEMENT).map((u) => sql`(${u.id}, ${u.count}, ${u.at})`);
      statements.push(sql`values ${sql.join(rows)}`);
    }
    return statements;
  },
  // `begin immediate` on the process's one connection, so `work` is a single write
  // transaction; another process waits at its own `begin immediate` and a failure rolls
  // everything back; a transaction `work` opens is a savepoint of it (immediate-sqlite-dialect.ts). The database has one
  // write lock, so `lockId` names nothing here. One attempt waits busy_timeout (5 s); another
  // process's migrations can hold the lock longer (a loaded machine, many migrations), so the
  // attempt is made again until `waitMs`.
  async withStartupLock<T>(db: Kysely<Database>, _lockId: bigint, waitMs: number, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await sql`begin immediate`.execute(db);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        if (Date.now() >= deadline) {
          throw new Error(
            `waited ${waitMs / 1000} s for another tessera process starting on this database (migrations, first-start bootstrap) to finish; giving up.`,
            { cause: error },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
    await sql`commit`.execute(db);
    return result;
  },
};

/** PostgreSQL's lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

export const postgresTraits: DialectTraits = {
  // The charge batches run side by side on the pool, each charge atomic.
  groupCommit: false,
  // The row lock queues every other transaction that locks the row behind this one, and each
  // statement after it reads what the one before committed.
  lockForUpdate: (query) => query.forUpdate(),
  // FOR SHARE, not FOR KEY SHARE: it also waits for a plain UPDATE of the row, not only for one
  // that takes FOR UPDATE first, and the reader copies what such an UPDATE changes.
  lockForShare: (query) => query.forShare(),
  namePrefix: (prefix) => prefixRange(sql`lower(name collate "C")`, foldAscii(prefix)),
  bytesIn: (column, values) => sql<SqlBool>`${sql.ref(column)} = any(${values}::bytea[])`,
  // One statement for the whole batch, its rows taken in the order of the ids (the statement's
  // `order by`): concurrent batches (other nodes flush too) then lock rows in one order, so
  // PostgreSQL never has to break a deadlock.
  usedRows: (uses) => [sql`select * from unnest(${uses.map((u) => u.id)}::text[], ${uses.map((u) => u.count)}::bigint[], ${uses.map((u) => u.at)}::bigint[])`],
  // A session advisory lock held on one pooled connection while `work` runs on the others. A
  // process that dies drops its connection, and the server the lock with it. A process that
  // waits longer than `waitMs` for it (another one stuck, or holding it from a session that
  // never ended) fails with an error that says so, instead of hanging at startup.
  withStartupLock<T>(db: Kysely<Database>, lockId: bigint, waitMs: number, work: () => Promise<T>): Promise<T> {
    return db.connection().execute(async (connection) => {
      await sql`set lock_timeout = ${sql.lit(Math.max(1, Math.round(waitMs)))}`.execute(connection);
      try {
        await sql`select pg_advisory_lock(${sql.lit(lockId)})`.execute(connection);
      } catch (error) {
        if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
        throw new Error(
          `waited ${waitMs / 1000} s for another tessera process starting on this database (migrations, first-start bootstrap) to finish; ` +
            'giving up. If none is running, look for a session holding the advisory lock in pg_locks.',
          { cause: error },
        );
      } finally {
        // The connection goes back to the pool: its other queries wait as long as they must.
        await sql`reset lock_timeout`.execute(connection);
      }
      try {
        return await work();
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(lockId)})`.execute(connection);
      }
    });
  },
};

const TRAITS: Record<SqlDialect, DialectTraits> = { sqlite: sqliteTraits, postgres: postgresTraits };

export function traitsOf(dialect: SqlDialect): DialectTraits {
  return TRAITS[dialect];
}
