import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeStore, type ServerConfig } from './server-config.js';

/**
 * Refuses a configuration whose SQLite store is not there: opening it would make a new, empty one
 * in a mistyped --data-dir, and the command would act on nothing as if on the installation.
 * PostgreSQL is not checked: a database is never made by connecting to it. `making` says how to
 * make a store on purpose, where the command has a use on a new one.
 */
export function requireExistingStore(config: ServerConfig, making = ''): void {
  if (config.databaseUrl || existsSync(join(config.dataDir, 'tessera.db'))) return;
  throw new Error(`there is no store at ${describeStore(config)}: give the server's --data-dir (or TESSERA_DATA_DIR), or DATABASE_URL${making}`);
}
