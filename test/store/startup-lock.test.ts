import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../src/store/open-stores.js';
import { openSqlite as openSqliteAt, type SqlDatabase } from '../../src/store/sql/driver/database.js';
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

describe('the startup lock on SQLite', () => {
  it('waits past one busy_timeout (5 s) for another process that holds the write lock longer', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-lock-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const database = openSqliteAt(join(dir, 'tessera.db'));
    t.after(() => database.close());
    await sql`create table t (x integer)`.execute(database.db);
    // Another process takes the write lock, says so, and keeps it 6 s: longer than one attempt waits.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(${JSON.stringify(join(dir, 'tessera.db'))}); db.exec('begin immediate'); console.log('held'); setTimeout(() => { db.exec('commit'); db.close(); }, 6000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await once(holder.stdout!, 'data');
    const started = performance.now();
    assert.equal(await withStartupLock(database, async () => 'migrated', 30_000), 'migrated');
    assert.ok(performance.now() - started > 5000, 'it waited for the other process');
    await once(holder, 'exit');
  });
});
