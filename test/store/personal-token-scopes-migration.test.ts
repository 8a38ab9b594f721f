import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Migrator } from 'kysely';
import { openPostgres, openSqlite, type SqlDatabase } from '../../src/store/sql/database.js';
import { migrateToLatest, migrations } from '../../src/store/sql/migrate.js';
import { SqlTokenStore, toRow } from '../../src/store/sql/sql-token-store.js';
import { makeToken } from '../support/fixtures.js';
import { postgresTestUrl } from '../support/postgres.js';

const backends: Array<{ name: string; open(): Promise<{ database: SqlDatabase; cleanup(): Promise<void> } | { skip: string }> }> = [
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

for (const backend of backends) {
  describe(`personal tokens made before management scopes: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('keep doing all their owner may (`*`) when they had no scopes; scoped ones and other tokens keep theirs', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      const migrator = new Migrator({
        db: database.db,
        provider: { getMigrations: async () => migrations(database.dialect) },
        migrationTableName: 'tessera_migrations',
        migrationLockTableName: 'tessera_migrations_lock',
      });
      const { error } = await migrator.migrateTo('2026-11-30T2300-token-uses');
      if (error) throw error;
      const bare = makeToken({}, { type: 'personal', scopes: [] }).token;
      const scoped = makeToken({}, { type: 'personal', scopes: ['tokens:read'] }).token;
      const api = makeToken({}, { type: 'api', scopes: [] }).token;
      for (const token of [bare, scoped, api]) await database.db.insertInto('tokens').values(toRow(token)).execute();

      assert.ok((await migrateToLatest(database.db, database.dialect)).includes('2026-12-05T0330-personal-token-scopes'));
      const store = new SqlTokenStore(database.db, database.dialect);
      assert.deepEqual((await store.findById(bare.id))?.scopes, ['*']);
      assert.deepEqual((await store.findById(scoped.id))?.scopes, ['tokens:read']);
      assert.deepEqual((await store.findById(api.id))?.scopes, []);
    });
  });
}
