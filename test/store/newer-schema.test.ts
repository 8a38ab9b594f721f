import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { digestSecret } from '../../src/core/digest.js';
import { migrateToLatest, migrations, newerMigrations } from '../../src/store/sql/migrate.js';
import { SqlTokenStore } from '../../src/store/sql/sql-token-store.js';
import { makeToken } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { SqlAccountStore } from '../../src/store/sql/sql-account-store.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

const FUTURE = '2099-01-01T0000-future-expand';

/** What a newer version's expand-only migration does: a column with a default, a table, and its row in the migration table. */
async function applyNewerExpand(db: any): Promise<void> {
  await sql`alter table tokens add column future_note text not null default ''`.execute(db);
  await sql`create table future_things (id text primary key)`.execute(db);
  await sql`insert into tessera_migrations (name, timestamp) values (${FUTURE}, ${new Date().toISOString()})`.execute(db);
}

// A rolling upgrade: the newer version's first node migrates, and the older nodes still running (or
// restarting, or a downgrade) must keep working on the expanded schema.
for (const backend of migrationBackends) {
  describe(`an older version on a schema a newer version expanded: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('starts on it without applying anything, and reads and writes tokens', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      await migrateToLatest(database.db, database.dialect);
      await applyNewerExpand(database.db);

      assert.deepEqual(await migrateToLatest(database.db, database.dialect), []);
      assert.deepEqual(await newerMigrations(database.db, database.dialect), [FUTURE]);
      const tokens = new SqlTokenStore(database.db, database.dialect);
      await createOwners({ accounts: new SqlAccountStore(database.db, database.dialect) }, ['usr_owner']);
      const { token, secret } = makeToken({ name: 'written by the older version' });
      await tokens.insert(token);
      const found = await tokens.findByDigest(digestSecret(secret));
      assert.equal(found?.name, 'written by the older version');
    });
  });

  describe(`a schema missing this version's migrations and holding a newer one's: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('is refused with both lists named, and nothing applied', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      const names = Object.keys(migrations(database.dialect));
      const last = names.at(-1)!;
      await migrateTo(database, names.at(-2)!);
      await sql`insert into tessera_migrations (name, timestamp) values (${FUTURE}, ${new Date().toISOString()})`.execute(database.db);

      await assert.rejects(migrateToLatest(database.db, database.dialect), (error: Error) => {
        assert.match(error.message, new RegExp(`newer tessera \\(${FUTURE}\\) but not this version's ${last}`));
        return true;
      });
      const { rows } = await sql<{ name: string }>`select name from tessera_migrations where name = ${last}`.execute(database.db);
      assert.deepEqual(rows, []);
    });
  });
}
