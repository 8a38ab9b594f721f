import { openDatabase } from '../store/open-stores.js';
import { migrateToLatest } from '../store/sql/migrate.js';
import { withStartupLock } from '../store/sql/startup-lock.js';
import { describeStore, type ServerConfig } from './server-config.js';

/** Brings the schema up to date and says which migrations that took. */
export async function migrate(config: ServerConfig): Promise<string> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await withStartupLock(database, () => migrateToLatest(database.db, database.dialect));
    const what = applied.length > 0 ? `applied ${applied.join(', ')}` : 'already up to date';
    return `${describeStore(config)}: ${what}`;
  } finally {
    await database.close();
  }
}
