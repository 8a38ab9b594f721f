import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { openStores } from '../../src/store/open-stores.js';
import { openSqlite } from '../../src/store/sql/driver/database.js';
import { withStartupLock } from '../../src/store/sql/startup-lock.js';

/**
 * Several tessera processes on one SQLite file (two servers, or a server and the CLI): each
 * process's transactions must wait for the others' rather than fail. A transaction begun with a
 * plain `begin` that reads and then writes fails at once with SQLITE_BUSY, whatever busy_timeout
 * says, when another process committed a write between its read and its write.
 */
describe('transactions on one SQLite file shared by several processes', () => {
  it('hold the write lock from their first statement, so another process cannot write in between', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-shared-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'tessera.db');
    const database = openSqlite(path);
    t.after(() => database.close());
    await sql`create table t (x integer)`.execute(database.db);
    const other = new SqliteDatabase(path);
    t.after(() => other.close());
    other.pragma('busy_timeout = 0');

    let inside: unknown;
    await database.db.transaction().execute(async (tx) => {
      await sql`select count(*) from t`.execute(tx);
      try {
        other.exec('insert into t values (1)');
        inside = 'written';
      } catch (error) {
        inside = (error as { code?: string }).code;
      }
      await sql`insert into t values (2)`.execute(tx);
    });
    assert.equal(inside, 'SQLITE_BUSY');
    // Once it has committed, the other connection writes.
    other.exec('insert into t values (3)');
    assert.deepEqual(other.prepare('select x from t order by x').pluck().all(), [2, 3]);
  });

  it("nest inside the startup lock's transaction as savepoints: kept or undone with it, one failing alone undone", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-shared-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const database = openSqlite(join(dir, 'tessera.db'));
    t.after(() => database.close());
    await sql`create table t (x integer)`.execute(database.db);
    const insert = (x: number) => database.db.transaction().execute((tx) => sql`insert into t values (${x})`.execute(tx));
    const rows = async () => (await sql<{ x: number }>`select x from t order by x`.execute(database.db)).rows.map((r) => r.x);

    await withStartupLock(database, async () => {
      await insert(1);
      // A nested transaction that fails is undone alone; the outer one goes on.
      await assert.rejects(
        database.db.transaction().execute(async (tx) => {
          await sql`insert into t values (2)`.execute(tx);
          throw new Error('refused');
        }),
        /refused/,
      );
      await insert(3);
    });
    assert.deepEqual(await rows(), [1, 3]);

    await assert.rejects(
      withStartupLock(database, async () => {
        await insert(4);
        throw new Error('start failed');
      }),
      /start failed/,
    );
    assert.deepEqual(await rows(), [1, 3], 'undone with the outer transaction');
    // And outside it, a transaction is a transaction of its own again.
    await insert(5);
    assert.deepEqual(await rows(), [1, 3, 5]);
  });

  it('disable and enable the same user from four processes at once, every call succeeding', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-shared-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const setup = await openStores({ dataDir: dir });
    for (const id of ['usr_admin', 'usr_shared'])
      await setup.accounts.createUser({ id, name: id, email: null, role: id === 'usr_admin' ? 'admin' : 'member', createdAt: 1 });
    await setup.close();

    const PROCESSES = 4;
    const CALLS = 60;
    const workers = Array.from({ length: PROCESSES }, () => startWorker(dir, CALLS));
    // Every process has opened the file before any starts, so their calls overlap.
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.go();
    const outcomes = (await Promise.all(workers.map((w) => w.done))).flat();
    assert.deepEqual(tally(outcomes), { ok: PROCESSES * CALLS });
  });
});

/** Disables and enables usr_shared `calls` times in turn, once every process has opened the file; the outcome of each call. */
const WORKER = `
const [openStoresUrl, dataDir, calls] = process.argv.slice(1);
const { openStores } = await import(openStoresUrl);
const stores = await openStores({ dataDir });
console.log('ready');
await new Promise((resolve) => process.stdin.once('data', resolve));
const outcomes = [];
for (let i = 0; i < Number(calls); i++) {
  try {
    await stores.accounts.setUserDisabled('usr_shared', i % 2 === 0 ? Date.now() : null, Date.now());
    outcomes.push('ok');
  } catch (error) {
    outcomes.push(String(error.code ?? error.message));
  }
}
await stores.close();
console.log(JSON.stringify(outcomes));
`;

/** A worker process on the file in `dir`, ready once it has opened it; `go` starts its calls. */
function startWorker(dir: string, calls: number): { ready: Promise<void>; go(): void; done: Promise<string[]> } {
  const module = new URL('../../src/store/open-stores.js', import.meta.url).href;
  const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER, module, dir, String(calls)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    ready: new Promise<void>((resolve) => child.stdout.on('data', () => out.startsWith('ready') && resolve())),
    go: () => child.stdin.end('go\n'),
    done: new Promise<string[]>((resolve, reject) =>
      child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1]!)) : reject(new Error(`worker exited ${code}: ${out}`)))),
    ),
  };
}

/** How many of `outcomes` are each outcome, e.g. {ok: 5, SQLITE_BUSY: 2}. */
const tally = (outcomes: readonly string[]) => Object.fromEntries([...new Set(outcomes)].sort().map((o) => [o, outcomes.filter((x) => x === o).length]));
