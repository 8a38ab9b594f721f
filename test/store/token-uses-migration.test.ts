import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { SqlDatabase } from '../../src/store/sql/driver/database.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { rowBeforeSuspension } from '../support/old-token-row.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

/** A store at the migration before `2026-11-30T2300-token-uses`, with two tokens: one used, one not. */
async function storeBeforeTokenUses(database: SqlDatabase) {
  await migrateTo(database, '2026-11-23T1400-use-count');
  const used = makeToken({ name: 'used' }).token;
  const unused = makeToken({ name: 'unused' }).token;
  for (const token of [used, unused]) await database.db.insertInto('tokens').values(rowBeforeSuspension(token)).execute();
  await sql`update tokens set use_count = ${41}, active_at = ${T0 + 7} where id = ${used.id}`.execute(database.db);
  return { used, unused };
}

for (const backend of migrationBackends) {
  describe(`moving use counts to token_uses: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('keeps each token its count and last use, and the next uses add to them', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      const { used, unused } = await storeBeforeTokenUses(database);
      // Later migrations run too; this one comes first.
      assert.equal((await migrateToLatest(database.db, database.dialect))[0], '2026-11-30T2300-token-uses');

      const store = new SqlTokenStore(database.db, database.dialect, database.preparedRead);
      assert.deepEqual(await store.findById(used.id), { ...used, useCount: 41, activeAt: T0 + 7 });
      assert.deepEqual(await store.findByDigest(unused.digest), unused);
      const rows = await database.db.selectFrom('token_uses').select(['token_id', 'use_count']).execute();
      assert.deepEqual(
        rows.map((r) => [r.token_id, Number(r.use_count)]),
        [[used.id, 41]],
        'a row only for the token that was used',
      );

      await store.recordUses([
        { id: used.id, at: T0 + 9, count: 1 },
        { id: unused.id, at: T0 + 8, count: 2 },
      ]);
      assert.deepEqual(await store.findById(used.id), { ...used, useCount: 42, activeAt: T0 + 9 });
      assert.deepEqual(await store.findByDigest(unused.digest), { ...unused, useCount: 2, activeAt: T0 + 8 });

      // A store without prepared reads (made on a transaction, say) finds the same by a query of its own.
      const plain = new SqlTokenStore(database.db, database.dialect);
      assert.deepEqual(await plain.findByDigest(unused.digest), await store.findByDigest(unused.digest));
      assert.equal(await plain.findByDigest(Buffer.alloc(32)), undefined);

      // A deleted token takes its uses with it.
      assert.equal(await store.delete(used.id), true);
      const left = await database.db.selectFrom('token_uses').select('token_id').execute();
      assert.deepEqual(
        left.map((r) => r.token_id),
        [unused.id],
      );
    });
  });
}
