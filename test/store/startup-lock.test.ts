import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../src/store/open-stores.js';
import type { SqlDatabase } from '../../src/store/sql/driver/database.js';
import { STARTUP_LOCK_ID, withStartupLock } from '../../src/store/sql/startup-lock.js';
import { postgresTestUrl } from '../support/postgres.js';

const target = await postgresTestUrl();

describe('the startup lock on PostgreSQL', { skip: 'skip' in target ? target.skip : undefined }, () => {
  const url = 'url' in target ? target.url : '';
  let database: SqlDatabase;
  let holder: pg.Client;
  before(async () => {
    // One connection, so that what the lock left on it shows in the next query.
    database = await openDatabase({ databaseUrl: url, dataDir: '', poolSize: 1 });
    holder = new pg.Client({ connectionString: url });
    await holder.connect();
  });
  after(async () => {
    await holder?.end();
    await database?.close();
    if ('drop' in target) await target.drop();
  });

  it('gives up after the wait while another session holds it, says why, and runs nothing', async () => {
    await holder.query(`select pg_advisory_lock(${STARTUP_LOCK_ID})`);
    let ran = false;
    const started = performance.now();
    await assert.rejects(
      withStartupLock(
        database,
        async () => {
          ran = true;
        },
        300,
      ),
      /waited 0\.3 s for another tessera process starting on this database/,
    );
    assert.ok(performance.now() - started >= 250, 'it did wait');
    assert.equal(ran, false);
    await holder.query(`select pg_advisory_unlock(${STARTUP_LOCK_ID})`);
  });

  it('runs the work once the lock is free, and leaves the connection without the timeout', async () => {
    assert.equal(await withStartupLock(database, async () => 'migrated', 300), 'migrated');
    const { rows } = await sql<{ lock_timeout: string }>`show lock_timeout`.execute(database.db);
    assert.equal(rows[0]!.lock_timeout, '0');
    // And the lock was let go: another session takes it at once.
    const { rows: taken } = await holder.query(`select pg_try_advisory_lock(${STARTUP_LOCK_ID}) as taken`);
    assert.equal(taken[0].taken, true);
    await holder.query(`select pg_advisory_unlock(${STARTUP_LOCK_ID})`);
  });
});
