import { closeSync, fsyncSync, openSync, rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { migrations } from './migrate.js';

/** What a SQLite file holds, as far as a backup or a restore needs to know. */
export interface SqliteStoreReport {
  /** The migrations applied to it, in order. */
  applied: string[];
  /** Applied migrations this code does not know: a newer tessera's store. */
  unknown: string[];
  /** Migrations this code has that it lacks: applied when a server next starts on it. */
  pending: string[];
  /** Its server_settings rows (the server key's fingerprint among them), if it has that table. */
  settings: Record<string, string>;
}

/** Every page in one step: the copy is of one read transaction, which in WAL mode writers do not wait for. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies a live SQLite database with SQLite's online backup API: a consistent snapshot while
 * other processes read and write it. The copy is left in rollback-journal mode, one file that
 * holds everything (a server puts it back in WAL mode when it opens it).
 */
export async function backupSqlite(source: string, target: string): Promise<void> {
  const db = new SqliteDatabase(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // The first step copies nothing (it begins the backup); the second copies every page at once.
    await db.backup(target, { progress: () => ALL_PAGES });
  } finally {
    db.close();
  }
  const copy = new SqliteDatabase(target, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fsyncFile(target);
}

/**
 * Checks that `path` is a sound tessera store: a SQLite database, whose integrity check passes,
 * with tessera's migrations table. Throws saying which of these it is not.
 */
export function inspectSqliteStore(path: string): SqliteStoreReport {
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(path, { fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot open ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    } catch (error) {
      throw new Error(`${path} is not a SQLite database (${(error as Error).message})`, { cause: error });
    }
    if (problems.join() !== 'ok') throw new Error(`${path} fails SQLite's integrity check: ${problems.slice(0, 5).join('; ')}`);
    const hasTable = (name: string) => db.prepare(`select 1 from sqlite_master where type = 'table' and name = ?`).get(name) !== undefined;
    if (!hasTable('tessera_migrations')) throw new Error(`${path} is a SQLite database but not a tessera store: it has no tessera_migrations table`);
    const applied = (db.prepare('select name from tessera_migrations order by name').all() as Array<{ name: string }>).map((row) => row.name);
    const known = Object.keys(migrations('sqlite'));
    const settings: Record<string, string> = {};
    if (hasTable('server_settings')) {
      for (const row of db.prepare('select name, value from server_settings').all() as Array<{ name: string; value: string }>) settings[row.name] = row.value;
    }
    return {
      applied,
      unknown: applied.filter((name) => !known.includes(name)),
      pending: known.filter((name) => !applied.includes(name)),
      settings,
    };
  } finally {
    db.close();
  }
}

/** Thrown when another process has the database open. */
export class SqliteInUseError extends Error {}

/**
 * Runs `body` holding an exclusive lock on the SQLite database at `path`, which no other
 * connection can have while any process has the database open: a server keeps a shared lock on
 * it as long as it runs, in WAL mode even while idle. With the lock held the database is taken
 * out of WAL mode, so its -wal and -shm files are no longer anyone's.
 */
export function withExclusiveSqlite<T>(path: string, waitMs: number, body: () => T): T {
  const db = new SqliteDatabase(path, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(waitMs))}`);
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.exec('begin exclusive');
      db.exec('commit');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_BUSY') throw new SqliteInUseError(`${path} is in use by another process`, { cause: error });
      // A file that is not a database (a store damaged past its header) is one no server can be
      // using, and the very thing a restore replaces.
      if (code === 'SQLITE_NOTADB') return body();
      throw error;
    }
    db.pragma('journal_mode = DELETE');
    return body();
  } finally {
    db.close();
  }
}

/** Removes the WAL and shared-memory files beside `path`. */
export function removeSqliteSidecars(path: string): void {
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${path}${suffix}`, { force: true });
}

/** Flushes a file (or a directory's entries) to disk. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
