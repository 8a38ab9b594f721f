import { join } from 'node:path';
import { isPostgresUrl } from './postgres-url.js';
import { openPostgres, openSqlite, type QueryObserver, type SqlDatabase } from './sql/driver/database.js';
import { migrateToLatest } from './sql/migrate.js';
import { createSqlStores } from './sql/sql-stores.js';
import { withStartupLock } from './sql/startup-lock.js';
import type { Stores } from './stores.js';

export interface StoreOptions {
  /** postgres://… or postgresql://… selects PostgreSQL. */
  databaseUrl?: string;
  /** Where SQLite keeps tessera.db when no database URL is given. */
  dataDir: string;
  /** Told of every query, the migrations' included. */
  onQuery?: QueryObserver;
  /** PostgreSQL: connections in this process's pool (8 when not given). */
  poolSize?: number;
  /** SQLite: the page cache in MB (SQLite's 2 MB when not given); a bulk import gives more. */
  sqliteCacheMb?: number;
}

/** PostgreSQL for a database URL, else SQLite in the data directory; no migrations. */
export async function openDatabase(options: StoreOptions): Promise<SqlDatabase> {
  if (options.databaseUrl !== undefined && !isPostgresUrl(options.databaseUrl)) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return isPostgresUrl(options.databaseUrl)
    ? openPostgres(options.databaseUrl, { onQuery: options.onQuery, poolSize: options.poolSize })
    : openSqlite(join(options.dataDir, 'tessera.db'), {
        onQuery: options.onQuery,
        ...(options.sqliteCacheMb !== undefined ? { cacheMb: options.sqliteCacheMb } : {}),
      });
}

/**
 * Opens the configured database, brings its schema up to date and runs `setUp` (the
 * first-start bootstrap) on the new stores: one starting process at a time.
 */
export async function openStores(options: StoreOptions, setUp?: (stores: Stores) => Promise<void>): Promise<Stores> {
  const database = await openDatabase(options);
  const stores = createSqlStores(database);
  try {
    await withStartupLock(database, async () => {
      await migrateToLatest(database.db, database.dialect);
      await setUp?.(stores);
    });
  } catch (error) {
    await stores.close();
    throw error;
  }
  return stores;
}

/** The stores over a database that another process has migrated and bootstrapped: a cluster's primary, for its workers. */
export async function openPreparedStores(options: StoreOptions): Promise<Stores> {
  return createSqlStores(await openDatabase(options));
}
