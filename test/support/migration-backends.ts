import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { openPostgres, openSqlite, type SqlDatabase } from '../../src/store/sql/driver/database.js';
import { migrations } from '../../src/store/sql/migrate.js';
import { postgresTestUrl } from './postgres.js';

/** A fresh database of each SQL kind, for tests of one migration; PostgreSQL says why it skips. */
export const migrationBackends: Array<{ name: string; open(): Promise<{ database: SqlDatabase; cleanup(): Promise<void> } | { skip: string }> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-migrate-'));
      const database = openSqlite(join(dir, 'tessera.db'));
      return { database, cleanup: async () => (await database.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const target = await postgresTestUrl();
      if ('skip' in target) return target;
      const database = await openPostgres(target.url);
      return { database, cleanup: async () => (await database.close(), await target.drop()) };
    },
  },
];

/** Brings the database's schema to the migration named `name`, and no further. */
export async function migrateTo(database: SqlDatabase, name: string): Promise<void> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations(database.dialect) },
    migrationTableName: 'tessera_migrations',
    migrationLockTableName: 'tessera_migrations_lock',
  });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}
