import type { SqlDatabase } from './driver/database.js';
import { traitsOf } from './driver/dialect.js';

/** tessera's own advisory lock; Kysely's migrator takes another (3853314791062309107) inside it. */
export const STARTUP_LOCK_ID = 7_166_504_217_306_112_081n;

/** How long a starting process waits for another's migrations and bootstrap by default: long migrations included, not forever. */
const STARTUP_LOCK_WAIT_MS = 300_000;

/**
 * Runs `work` — the migrations and the first-start bootstrap — while no other process starting
 * on the same database runs its own. Nodes started at the same instant take turns, and each
 * finds what the one before it did: the migrations applied, and an admin that makes its own
 * bootstrap a no-op. Without this, two nodes both count no users and both create an admin, or
 * both insert TESSERA_BOOTSTRAP_TOKEN and the second crashes on the unique digest. How each
 * dialect holds the lock (PostgreSQL an advisory lock, SQLite one write transaction, in which
 * `work` must not open one of its own): `withStartupLock` in driver/dialect.ts.
 */
export async function withStartupLock<T>({ db, dialect }: SqlDatabase, work: () => Promise<T>, waitMs = STARTUP_LOCK_WAIT_MS): Promise<T> {
  return traitsOf(dialect).withStartupLock(db, STARTUP_LOCK_ID, waitMs, work);
}
