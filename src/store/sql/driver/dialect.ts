import type { SelectQueryBuilder } from 'kysely';
import type { SqlDialect } from '../schema.js';

/**
 * What the SQL stores do differently on SQLite and on PostgreSQL, one member per difference.
 * SQLite is one file with one writer at a time, in this process's one connection; PostgreSQL
 * is a server with row locks and a pool of connections. The stores ask these; none of them
 * tests the dialect's name.
 */
export interface DialectTraits {
  /** Whether the short writes of one event-loop turn share one transaction (group-commit.ts). */
  readonly groupCommit: boolean;
  /** The statement that opens a transaction which reads and then writes. */
  readonly beginWrite: string;
  /** `query`, the rows it reads locked against other writers until its transaction ends (where `beginWrite` has not locked them already). */
  lockForUpdate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;
}

export const sqliteTraits: DialectTraits = {
  // A commit (the WAL append and the locks around it) costs more than a one-row guarded UPDATE.
  groupCommit: true,
  // Takes the write lock before the first read: a deferred transaction that reads and then
  // writes fails at once with SQLITE_BUSY when another process wrote in between, whatever
  // busy_timeout says. (Within one process Kysely's single SQLite connection serializes
  // transactions anyway.)
  beginWrite: 'begin immediate',
  // `begin immediate` already holds the database's write lock.
  lockForUpdate: (query) => query,
};

export const postgresTraits: DialectTraits = {
  // The charge batches run side by side on the pool, each charge atomic.
  groupCommit: false,
  beginWrite: 'begin',
  // The row lock queues every other transaction that locks the row behind this one, and each
  // statement after it reads what the one before committed.
  lockForUpdate: (query) => query.forUpdate(),
};

const TRAITS: Record<SqlDialect, DialectTraits> = { sqlite: sqliteTraits, postgres: postgresTraits };

export function traitsOf(dialect: SqlDialect): DialectTraits {
  return TRAITS[dialect];
}
