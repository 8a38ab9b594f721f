import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import type { SqlDatabase } from '../../src/store/sql/driver/database.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { rowBeforeSuspension } from '../support/old-token-row.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { SqlAccountStore } from '../../src/store/sql/sql-account-store.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

const MIGRATION = '2026-12-05T0320-edenai-names';

/** A store at the migration before MIGRATION: nothing kept Eden AI names unique then. */
async function storeBeforeEdenaiNames(database: SqlDatabase): Promise<void> {
  await migrateTo(database, '2026-11-30T2300-token-uses');
}

for (const backend of migrationBackends) {
  describe(`unique Eden AI names: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('migrates a database that holds duplicates: the earliest keeps the name, later ones get their id', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      await storeBeforeEdenaiNames(database);
      const eden = (at: number, fields: Parameters<typeof makeToken>[1] = {}) =>
        makeToken({ createdAt: T0 + at }, { origin: 'edenai', name: 'dup', ownerUserId: 'usr_a', ...fields }).token;
      // Inserted out of order: "earliest" is by creation time.
      const [second, first, third] = [eden(2), eden(1), eden(3)];
      const [teamSecond, teamFirst] = [eden(2, { teamId: 'team_t', ownerUserId: 'usr_b' }), eden(1, { teamId: 'team_t', ownerUserId: 'usr_a' })];
      // A revoked token holds no name: it keeps its own and does not count as the earliest.
      const revoked = makeToken({ createdAt: T0, revokedAt: T0 + 1 }, { origin: 'edenai', name: 'dup', ownerUserId: 'usr_a' }).token;
      const untouched = [revoked, eden(1, { ownerUserId: 'usr_b' }), eden(1, { name: 'alone' }), eden(1, { origin: 'api' }), eden(2, { origin: 'api' })];
      for (const token of [second, first, third, teamSecond, teamFirst, ...untouched]) {
        await database.db.insertInto('tokens').values(rowBeforeSuspension(token)).execute();
      }

      assert.ok((await migrateToLatest(database.db, database.dialect)).includes(MIGRATION));

      const store = new SqlTokenStore(database.db, database.dialect);
      const nameOf = async (id: string) => (await store.findById(id))!.name;
      assert.equal(await nameOf(first.id), 'dup');
      assert.equal(await nameOf(second.id), `dup (${second.id})`);
      assert.equal(await nameOf(third.id), `dup (${third.id})`);
      assert.equal(await nameOf(teamFirst.id), 'dup');
      assert.equal(await nameOf(teamSecond.id), `dup (${teamSecond.id})`);
      for (const token of untouched) assert.deepEqual(await store.findById(token.id), token);

      // From now on the store refuses what the migration had to rename.
      await createOwners({ accounts: new SqlAccountStore(database.db, database.dialect) }, ['usr_a']);
      await assert.rejects(store.insert(eden(4)), (error) => error instanceof AppError && error.code === 'CONFLICT');
    });
  });
}
