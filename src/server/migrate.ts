import { openDatabase } from '../store/open-stores.js';
import { migrateToLatest, newerMigrations } from '../store/sql/migrate.js';
import { withStartupLock } from '../store/sql/startup-lock.js';
import { describeStore, type ServerConfig } from './server-config.js';

/** Brings the schema up to date and says which migrations that took. */
export async function migrate(config: ServerConfig): Promise<string> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await withStartupLock(database, () => migrateToLatest(database.db, database.dialect));
    if (applied.length > 0) return `${describeStore(config)}: applied ${applied.join(', ')}`;
    const newer = await newerMigrations(database.db, database.dialect);
    if (newer.length === 0) return `${describeStore(config)}: already up to date`;
    return `${describeStore(config)}: already up to date, and ahead of this version: a newer tessera applied ${newer.join(', ')} (this version runs on it; see docs/operations.md#upgrades)`;
  } finally {
    await database.close();
  }
}
