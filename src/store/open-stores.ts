import { join } from 'node:path';
import { openPostgres, openSqlite, type QueryObserver, type SqlDatabase } from './sql/database.js';
import { migrateToLatest } from './sql/migrate.js';
import { createSqlStores } from './sql/sql-stores.js';
import type { Stores } from './stores.js';

export interface StoreOptions {
  /** postgres://… or postgresql://… selects PostgreSQL. */
  databaseUrl?: string;
  /** Where SQLite keeps tessera.db when no database URL is given. */
  dataDir: string;
  /** Told of every query, the migrations' included. */
  onQuery?: QueryObserver;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

/** PostgreSQL for a database URL, else SQLite in the data directory; no migrations. */
export async function openDatabase(options: StoreOptions): Promise<SqlDatabase> {
  if (options.databaseUrl !== undefined && !isPostgresUrl(options.databaseUrl)) {
    throw new Error('DATABASE_URL must start with postgres:// or postgresql://');
  }
  return isPostgresUrl(options.databaseUrl)
    ? openPostgres(options.databaseUrl, { onQuery: options.onQuery })
    : openSqlite(join(options.dataDir, 'tessera.db'), { onQuery: options.onQuery });
}

/** Opens the configured database and brings its schema up to date. */
export async function openStores(options: StoreOptions): Promise<Stores> {
  const database = await openDatabase(options);
  try {
    await migrateToLatest(database.db, database.dialect);
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
  return createSqlStores(database);
}
