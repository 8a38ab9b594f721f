import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { SqlAccountStore } from '../../src/store/sql/sql-account-store.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';
import { rowBeforeSuspension } from '../support/old-token-row.js';

const MIGRATION = '2026-12-05T1800-suspension';

for (const backend of migrationBackends) {
  describe(`a store made before suspension and unique user names: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('migrates users whose names clash (the first keeps the name as its key) and leaves every token enabled', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      await migrateTo(database, '2026-12-05T1700-token-names');
      const db = database.db as any;
      // Inserted so that the first by num_id is not the first by id.
      for (const [id, name] of [
        ['usr_z', 'Ann'],
        ['usr_a', 'ann'],
        ['usr_m', ' ANN '],
        ['usr_b', 'Bob'],
      ]) {
        await db.insertInto('users').values({ id, name, email: null, role: 'member', created_at: T0 }).execute();
      }
      const { token } = makeToken({}, { ownerUserId: 'usr_a' });
      await db.insertInto('tokens').values(rowBeforeSuspension(token)).execute();

      assert.ok((await migrateToLatest(database.db, database.dialect)).includes(MIGRATION));

      const keys = await db.selectFrom('users').select(['id', 'name_key']).orderBy('num_id').execute();
      assert.deepEqual(
        keys.map((r: { id: string; name_key: string | null }) => [r.id, r.name_key]),
        [
          ['usr_z', 'ann'],
          ['usr_a', null],
          ['usr_m', null],
          ['usr_b', 'bob'],
        ],
      );
      const accounts = new SqlAccountStore(database.db, database.dialect);
      assert.equal((await accounts.findUser('usr_a'))!.disabledAt, null);
      await assert.rejects(
        accounts.createUser({ id: 'usr_new', name: 'aNN', email: null, role: 'member', createdAt: T0 }),
        (error: unknown) => error instanceof AppError && error.code === 'USER_NAME_TAKEN',
      );
      const stored = (await new SqlTokenStore(database.db, database.dialect).findById(token.id))!;
      assert.deepEqual([stored.disabledAt, stored.ownerDisabledAt], [null, null]);
    });
  });
}
