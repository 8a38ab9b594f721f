import { sql } from 'kysely';
import type { SqlDatabase } from './database.js';

/** tessera's own advisory lock; Kysely's migrator takes another (3853314791062309107) inside it. */
const STARTUP_LOCK_ID = 7_166_504_217_306_112_081n;

/**
 * Runs `work` — the migrations and the first-start bootstrap — while no other process starting
 * on the same database runs its own. Nodes started at the same instant take turns, and each
 * finds what the one before it did: the migrations applied, and an admin that makes its own
 * bootstrap a no-op. Without this, two nodes both count no users and both create an admin, or
 * both insert TESSERA_BOOTSTRAP_TOKEN and the second crashes on the unique digest.
 *
 * PostgreSQL: a session advisory lock held on one pooled connection while `work` runs on the
 * others. A process that dies drops its connection, and the server the lock with it.
 *
 * SQLite: `begin immediate` on the process's one connection, so `work` is a single write
 * transaction; another process waits at its own `begin immediate` (busy_timeout) and a
 * failure rolls everything back. `work` must not open a transaction of its own.
 */
export async function withStartupLock<T>({ db, dialect }: SqlDatabase, work: () => Promise<T>): Promise<T> {
  if (dialect === 'postgres') {
    return db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${sql.lit(STARTUP_LOCK_ID)})`.execute(connection);
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
