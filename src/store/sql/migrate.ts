import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { catalog } from './migrations/2026-11-22-catalog.js';
import { initial } from './migrations/2026-11-22-initial.js';
import type { Database, SqlDialect } from './schema.js';

/** Every migration, by its dated name; listed here (not read from disk) so dist/ carries them. */
function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '2026-11-22-initial': initial(dialect),
    '2026-11-22-catalog': catalog,
  };
}

/** Applies the migrations not yet applied; returns their names. */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider, migrationTableName: 'tessera_migrations', migrationLockTableName: 'tessera_migrations_lock' });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
