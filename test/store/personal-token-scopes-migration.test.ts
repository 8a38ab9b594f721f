import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { rowBeforeSuspension } from '../support/old-token-row.js';
import { makeToken } from '../support/fixtures.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

for (const backend of migrationBackends) {
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
      await migrateTo(database, '2026-11-30T2300-token-uses');
      const bare = makeToken({}, { type: 'personal', scopes: [] }).token;
      const scoped = makeToken({}, { type: 'personal', scopes: ['tokens:read'] }).token;
      const api = makeToken({}, { type: 'api', scopes: [] }).token;
      for (const token of [bare, scoped, api]) await database.db.insertInto('tokens').values(rowBeforeSuspension(token)).execute();

      assert.ok((await migrateToLatest(database.db, database.dialect)).includes('2026-12-05T0330-personal-token-scopes'));
      const store = new SqlTokenStore(database.db, database.dialect);
      assert.deepEqual((await store.findById(bare.id))?.scopes, ['*']);
      assert.deepEqual((await store.findById(scoped.id))?.scopes, ['tokens:read']);
      assert.deepEqual((await store.findById(api.id))?.scopes, []);
    });
  });
}
