import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { SqlChangeLogStore } from '../../src/store/sql/sql-change-log-store.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

for (const backend of migrationBackends) {
  describe(`changes logged before the log recorded owners: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('are read back with no owner (sent to every verifier), and numbering goes on', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      await migrateTo(database, '2026-12-05T0330-personal-token-scopes');
      const db = database.db as any;
      await db
        .insertInto('token_changes')
        .values({ seq: 1, digest: Buffer.alloc(32, 1), changed_at: 1000 })
        .execute();
      await db.updateTable('change_sequence').set({ seq: 1 }).where('id', '=', 1).execute();

      assert.ok((await migrateToLatest(database.db, database.dialect)).includes('2026-12-05T1200-change-owners'));
      const log = new SqlChangeLogStore(database.db);
      await log.append([{ digest: Buffer.alloc(32, 2), type: 'api', ownerUserId: 'usr_1', teamId: 'team_1' }], 2000);
      assert.deepEqual(
        (await log.since(0, 10)).map((c) => [c.seq, c.owner]),
        [
          [1, null],
          [2, { type: 'api', ownerUserId: 'usr_1', teamId: 'team_1' }],
        ],
      );
    });
  });
}
