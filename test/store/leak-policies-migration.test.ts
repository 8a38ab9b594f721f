import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { SqlTokenStore, toRow } from '../../src/store/sql/sql-token-store.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

for (const backend of migrationBackends) {
  describe(`tokens marked leaked before leak policies: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('stay refused: revoked from their leak on, unless revoked earlier; others keep their revocation as it was', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      await migrateTo(database, '2026-12-05T1800-suspension');
      const leaked = makeToken({ leakedAt: T0 + 10, leakedUrl: 'https://example.com/leak' }).token;
      const rotatedThenLeaked = makeToken({ leakedAt: T0 + 10, revokedAt: T0 + 60_000 }).token;
      const revokedThenLeaked = makeToken({ leakedAt: T0 + 10, revokedAt: T0 + 5 }).token;
      const live = makeToken().token;
      const scheduled = makeToken({ revokedAt: T0 + 60_000 }).token;
      for (const token of [leaked, rotatedThenLeaked, revokedThenLeaked, live, scheduled]) {
        await database.db.insertInto('tokens').values(toRow(token)).execute();
      }

      assert.ok((await migrateToLatest(database.db, database.dialect)).includes('2026-12-05T1820-leak-policies'));
      const store = new SqlTokenStore(database.db, database.dialect);
      const revokedAt = async (id: string) => (await store.findById(id))?.revokedAt;
      assert.equal(await revokedAt(leaked.id), T0 + 10);
      assert.equal(await revokedAt(rotatedThenLeaked.id), T0 + 10);
      assert.equal(await revokedAt(revokedThenLeaked.id), T0 + 5);
      assert.equal(await revokedAt(live.id), null);
      assert.equal(await revokedAt(scheduled.id), T0 + 60_000);
    });
  });
}
