import { sql } from 'kysely';
import type { SqlDatabase } from './driver/database.js';

/** tessera's own advisory lock; Kysely's migrator takes another (3853314791062309107) inside it. */
export const STARTUP_LOCK_ID = 7_166_504_217_306_112_081n;

/** How long a starting process waits for another's migrations and bootstrap by default: long migrations included, not forever. */
const STARTUP_LOCK_WAIT_MS = 300_000;

/** PostgreSQL's lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `work` — the migrations and the first-start bootstrap — while no other process starting
 * on the same database runs its own. Nodes started at the same instant take turns, and each
 * finds what the one before it did: the migrations applied, and an admin that makes its own
 * bootstrap a no-op. Without this, two nodes both count no users and both create an admin, or
 * both insert TESSERA_BOOTSTRAP_TOKEN and the second crashes on the unique digest.
 *
 * PostgreSQL: a session advisory lock held on one pooled connection while `work` runs on the
 * others. A process that dies drops its connection, and the server the lock with it. A process
 * that waits longer than `waitMs` for it (another one stuck, or holding it from a session that
 * never ended) fails with an error that says so, instead of hanging at startup.
 *
 * SQLite: `begin immediate` on the process's one connection, so `work` is a single write
 * transaction; another process waits at its own `begin immediate` (busy_timeout) and a
 * failure rolls everything back. `work` must not open a transaction of its own.
 */
export async function withStartupLock<T>({ db, dialect }: SqlDatabase, work: () => Promise<T>, waitMs = STARTUP_LOCK_WAIT_MS): Promise<T> {
  if (dialect === 'postgres') {
    return db.connection().execute(async (connection) => {
      await sql`set lock_timeout = ${sql.lit(Math.max(1, Math.round(waitMs)))}`.execute(connection);
      try {
        await sql`select pg_advisory_lock(${sql.lit(STARTUP_LOCK_ID)})`.execute(connection);
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
        await sql`select pg_advisory_unlock(${sql.lit(STARTUP_LOCK_ID)})`.execute(connection);
      }
    });
  }
  await sql`begin immediate`.execute(db);
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await sql`rollback`.execute(db);
    throw error;
  }
  await sql`commit`.execute(db);
  return result;
}
