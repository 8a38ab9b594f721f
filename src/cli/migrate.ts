import { openStores } from '../store/open-stores.js';
import { describeStore, type ServerConfig } from './server-config.js';

/** Opening the stores runs the migrations; this does only that. */
export async function migrate(config: ServerConfig): Promise<string> {
  const stores = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await stores.close();
  return `migrated ${describeStore(config)} to the latest schema`;
}
