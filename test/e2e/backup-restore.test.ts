import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { keyFingerprint } from '../../src/server/key-fingerprint.js';
import { STORE_FROM_FILE } from '../support/store-factories.js';
import { bootstrapSecretIn, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { runTessera } from '../support/tessera-command.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-backup-'));
after(() => rmSync(root, { recursive: true, force: true }));
const dataDir = (name: string) => join(root, name);

const newKey = () => randomBytes(32).toString('base64url');
const fingerprintOf = (key: string) => keyFingerprint(Buffer.from(key, 'base64url')).slice(0, 8);
const hashOf = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * The store contract suites run against the restored database: those that hold on a store with
 * data in it (the change log's assumes its log holds only its own changes, at its fixed clock).
 */
const CONTRACT_SUITES = [
  'token-store',
  'credit-store',
  'catalog-store',
  'edge-config-store',
  'idempotency-store',
  'policy-store',
  'session-store',
  'settings-store',
  'signing-key-store',
  'webhook-outbox-store',
  'analytics-store',
  'leak-policy-store',
].map((name) => fileURLToPath(new URL(`../store/${name}.test.js`, import.meta.url)));

async function call(url: string, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const verifyCode = async (url: string, secret: string) => (await call(url, 'POST', '/v1/verify', undefined, { token: secret })).body.code as string;

describe('tessera backup and restore on SQLite, real processes', { timeout: 300_000 }, () => {
  const key = newKey();
  const env = { TESSERA_SECRET_KEY: key };
  const backupFile = join(root, 'backup.db');
  let server: ServerProcess;
  let admin: string;
  const live: string[] = [];
  const revoked: string[] = [];

  before(async () => {
    server = await startServerProcess(['--data-dir', dataDir('live')], env, [], { stdout: 'ignore' });
    admin = bootstrapSecretIn(server.stderr())!;
    for (let i = 0; i < 12; i++) {
      const created = await call(server.url, 'POST', '/v1/tokens', admin, { name: `before-${i}`, scopes: ['docs:read'] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      if (i % 4 === 0) {
        assert.equal((await call(server.url, 'POST', `/v1/tokens/${created.body.token.id}/revoke`, admin)).status, 200);
        revoked.push(created.body.secret);
      } else live.push(created.body.secret);
    }
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0);
  });

  it('backs up the live store while a client keeps creating and revoking tokens, and says what the backup needs', async () => {
    let writes = 0;
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const created = await call(server.url, 'POST', '/v1/tokens', admin, { name: `load-${i}` });
        assert.equal(created.status, 201);
        writes++;
        assert.equal((await call(server.url, 'POST', `/v1/tokens/${created.body.token.id}/revoke`, admin)).status, 200);
        writes++;
      }
    })();
    while (writes < 10) await new Promise((resolve) => setTimeout(resolve, 20));
    const writesBefore = writes;
    const run = await runTessera(['backup', backupFile, '--data-dir', dataDir('live')], env);
    const writesDuring = writes - writesBefore;
    stop = true;
    await load;

    assert.equal(run.code, 0, run.stderr);
    assert.ok(writesDuring > 0, 'the server kept writing while the backup ran');
    assert.match(run.stdout, new RegExp(`written to ${backupFile.replaceAll('.', '\\.')}`));
    assert.match(run.stdout, new RegExp(`size: ${statSync(backupFile).size} bytes`));
    assert.match(run.stdout, /integrity check: ok/);
    assert.match(run.stdout, new RegExp(`server key fingerprint: ${fingerprintOf(key)}`));
    assert.match(run.stdout, /The server key \(TESSERA_SECRET_KEY\) is NOT in the backup/);
    assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), 'the key itself is never printed');
  });

  it('writes the backup readable by its owner only (0600), and replaces a file only with --force', async () => {
    // The backup of the test before, made with the process's usual umask.
    assert.equal(statSync(backupFile).mode & 0o777, 0o600, 'digests and users: owner only');
    const again = await runTessera(['backup', backupFile, '--data-dir', dataDir('live')], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists: give another path, or --force/);
    const forced = await runTessera(['backup', backupFile, '--data-dir', dataDir('live'), '--force'], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(statSync(backupFile).mode & 0o777, 0o600);
  });

  it('refuses a restore with another server key, and changes nothing', async () => {
    const other = newKey();
    const fresh = dataDir('other-key');
    const run = await runTessera(['restore', backupFile, '--data-dir', fresh], { TESSERA_SECRET_KEY: other });
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes(fingerprintOf(key)) && run.stderr.includes(fingerprintOf(other)), `names both fingerprints:\n${run.stderr}`);
    assert.equal(existsSync(fresh), false, 'no data directory left behind');

    const liveStore = join(dataDir('live'), 'tessera.db');
    const before = statSync(liveStore).ino;
    const over = await runTessera(['restore', backupFile, '--data-dir', dataDir('live'), '--force'], { TESSERA_SECRET_KEY: other });
    assert.equal(over.code, 1);
    assert.match(over.stderr, /fingerprint/);
    assert.equal(statSync(liveStore).ino, before);
  });

  it("refuses to restore over a running server's store, which goes on serving", async () => {
    const liveStore = join(dataDir('live'), 'tessera.db');
    const before = statSync(liveStore).ino;
    const run = await runTessera(['restore', backupFile, '--data-dir', dataDir('live'), '--force'], env);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /a process is using .*tessera\.db .*stop every process on this data directory.*nothing was changed/);
    assert.equal(statSync(liveStore).ino, before, 'the store file is the same one');
    assert.equal(await verifyCode(server.url, live[0]!), 'VALID');
  });

  it('restores into a new data directory, where a server serves the tokens made before the backup; the store passes the contract suites', async () => {
    const restored = dataDir('restored');
    const run = await runTessera(['restore', backupFile, '--data-dir', restored], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /restored .* into .*restored\/tessera\.db/);
    const store = join(restored, 'tessera.db');

    const again = await runTessera(['restore', backupFile, '--data-dir', restored], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /a store exists at .* only with --force/);

    const copy = await startServerProcess(['--data-dir', restored], env, [], { stdout: 'ignore' });
    try {
      assert.equal(bootstrapSecretIn(copy.stderr()), undefined, 'not a first start: the admin came with the backup');
      for (const secret of live) assert.equal(await verifyCode(copy.url, secret), 'VALID');
      for (const secret of revoked) assert.equal(await verifyCode(copy.url, secret), 'REVOKED');
      const listed = await call(copy.url, 'GET', '/v1/tokens?limit=100', admin);
      assert.equal(listed.status, 200, 'the admin token of the backed-up store works');
    } finally {
      assert.equal(await copy.stop(), 0);
    }

    const hash = hashOf(store);
    const suites = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--test', '--test-reporter=tap', ...CONTRACT_SUITES],
        // Without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing its results.
        { env: { ...process.env, NODE_TEST_CONTEXT: undefined, [STORE_FROM_FILE]: store }, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    const passed = Number(/^# pass (\d+)$/m.exec(suites.out)?.[1] ?? 0);
    assert.equal(
      suites.code,
      0,
      suites.out
        .split('\n')
        .filter((line) => /not ok|error/.test(line))
        .join('\n'),
    );
    assert.ok(passed >= 50, `the contract suites ran (${passed} passed)`);
    assert.match(suites.out, /^# fail 0$/m);
    assert.match(suites.out, /TokenStore contract: sqlite/);
    assert.equal(hashOf(store), hash, 'the suites ran on copies');
  });

  it('on PostgreSQL, backup and restore refuse with the pg_dump and pg_restore commands, never the password', async () => {
    const password = `pw${randomBytes(6).toString('hex')}`;
    const url = `postgres://tessera:${password}@127.0.0.1:5432/tessera`;
    const backup = await runTessera(['backup', join(root, 'pg.dump'), '--database-url', url], env);
    assert.equal(backup.code, 1);
    assert.ok(backup.stderr.includes(`pg_dump --format=custom --file='${join(root, 'pg.dump')}' 'postgres://tessera@127.0.0.1:5432/tessera'`), backup.stderr);
    assert.match(backup.stderr, /NOT in the backup/);
    const restore = await runTessera(['restore', join(root, 'pg.dump'), '--database-url', url], env);
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /pg_restore --clean --if-exists --no-owner --dbname='postgres:\/\/tessera@127\.0\.0\.1:5432\/tessera'/);
    for (const run of [backup, restore]) assert.ok(!run.stderr.includes(password) && !run.stdout.includes(password), 'no password printed');
  });
});
