import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { backendsToRun, type ServerBackend } from '../support/server-backends.js';
import { queryStore } from '../support/store-query.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { runTessera, type CommandRun as Run } from '../support/tessera-command.js';

/*
 * `tessera admin token`, run as a real process beside a real server on the same store (SQLite in
 * WAL mode, or PostgreSQL): the token it prints once works against that server, the issue is
 * audited as `recovery` with who ran it, and what it refuses leaves the store as it was.
 */

const tessera = (args: string[], env: Record<string, string>): Promise<Run> => runTessera(args, { TESSERA_SECRET_KEY: '', ...env });

/** `tessera admin token` on the backend's store; later flags win over the backend's own. */
const adminToken = (backend: Pick<ServerBackend, 'args' | 'env'>, args: string[] = [], env: Record<string, string> = {}) =>
  tessera(['admin', 'token', ...backend.args, ...args], { ...backend.env, ...env });

/** The one secret a run printed, on a line of its own. */
function printedSecret(run: Run): string {
  const found = [...run.stdout.matchAll(/^ {4}(tsr_[0-9A-Za-z]{36})$/gm)].map((m) => m[1]!);
  assert.equal(found.length, 1, `one secret printed:\n${run.stdout}\n${run.stderr}`);
  return found[0]!;
}

async function call(url: string, secret: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
}

const tokenCount = async (backend: ServerBackend) => Number((await queryStore<{ n: number }>(backend, 'select count(*) as n from tokens'))[0]!.n);
const recoveries = async (backend: ServerBackend) =>
  Number((await queryStore<{ n: number }>(backend, "select count(*) as n from audit_events where action = 'recovery'"))[0]!.n);

for (const { name, skip, make } of await backendsToRun()) {
  describe(`tessera admin token beside a running server on ${name}`, { skip, timeout: 180_000 }, () => {
    const admin = generateSecret('tsr', randomBytes);
    let backend: ServerBackend;
    let server: ServerProcess;
    before(async () => {
      backend = await make();
      server = await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, TESSERA_BOOTSTRAP_TOKEN: admin });
    });
    after(async () => {
      await server?.stop();
      await backend?.cleanup();
    });

    it('prints a new admin token once, for the oldest enabled admin; it works against the server and is audited', async () => {
      const me = await call(server.url, admin, 'GET', '/v1/whoami');
      assert.equal(me.status, 200);
      const run = await adminToken(backend, ['--name', 'lost-laptop']);
      assert.equal(run.code, 0, run.stderr);
      const secret = printedSecret(run);
      assert.match(run.stdout, /shown this once/);

      const whoami = await call(server.url, secret, 'GET', '/v1/whoami');
      assert.equal(whoami.status, 200, JSON.stringify(whoami.body));
      assert.equal(whoami.body.user.id, me.body.user.id);
      assert.equal(whoami.body.token.name, 'lost-laptop');
      assert.deepEqual(whoami.body.token.scopes, ['*']);
      // Every scope: it manages, as the bootstrap admin's token does.
      const made = await call(server.url, secret, 'POST', '/v1/users', { name: `after-recovery-${randomBytes(3).toString('hex')}` });
      assert.equal(made.status, 201, JSON.stringify(made.body));

      const audit = await call(server.url, secret, 'GET', '/v1/audit?action=recovery');
      assert.equal(audit.status, 200);
      assert.equal(audit.body.items.length, 1);
      const entry = audit.body.items[0];
      assert.equal(entry.actorUserId, null);
      assert.equal(entry.targetId, whoami.body.token.id);
      assert.equal(entry.subjectUserId, me.body.user.id);
      assert.equal(entry.details.osUser, userInfo().username);
      assert.equal(entry.details.host, hostname());
      assert.ok(!JSON.stringify(audit.body).includes(secret), 'the secret is in the audit log');
    });

    it('issues for a named enabled admin, by name or id, and refuses a disabled one or a non-admin, changing nothing', async () => {
      const ops = await call(server.url, admin, 'POST', '/v1/users', { name: `Ops-${randomBytes(3).toString('hex')}`, role: 'admin' });
      assert.equal(ops.status, 201, JSON.stringify(ops.body));
      const byName = await adminToken(backend, ['--user', ops.body.user.name.toLowerCase()]);
      assert.equal(byName.code, 0, byName.stderr);
      assert.equal((await call(server.url, printedSecret(byName), 'GET', '/v1/whoami')).body.user.id, ops.body.user.id);

      const member = await call(server.url, admin, 'POST', '/v1/users', { name: `member-${randomBytes(3).toString('hex')}` });
      const gone = await call(server.url, admin, 'POST', '/v1/users', { name: `gone-${randomBytes(3).toString('hex')}`, role: 'admin' });
      assert.equal((await call(server.url, admin, 'POST', `/v1/users/${gone.body.user.id}/disable`)).status, 200);

      const tokensBefore = await tokenCount(backend);
      const auditBefore = await recoveries(backend);
      const disabled = await adminToken(backend, ['--user', gone.body.user.id]);
      assert.equal(disabled.code, 1);
      assert.match(disabled.stderr, /is disabled/);
      assert.doesNotMatch(disabled.stdout, /tsr_/);
      const notAdmin = await adminToken(backend, ['--user', member.body.user.name]);
      assert.equal(notAdmin.code, 1);
      assert.match(notAdmin.stderr, /is not an admin/);
      const nobody = await adminToken(backend, ['--user', 'no-such-user']);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /no user has this id or name/);
      const badName = await adminToken(backend, ['--name', 'has spaces']);
      assert.equal(badName.code, 1);
      assert.match(badName.stderr, /--name/);
      assert.equal(await tokenCount(backend), tokensBefore);
      assert.equal(await recoveries(backend), auditBefore);
    });

    it('refuses a server key other than the store’s, changing nothing', async () => {
      const tokensBefore = await tokenCount(backend);
      const run = await adminToken(backend, [], { TESSERA_SECRET_KEY: randomBytes(32).toString('base64url') });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /is not the one this database was first served with/);
      assert.doesNotMatch(run.stdout, /tsr_/);
      assert.equal(await tokenCount(backend), tokensBefore);
    });

    it('refuses without the server key, writing no new key file, and refuses a data directory with no store', async () => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'tessera-recovery-'));
      try {
        if (backend.name === 'postgres') {
          // The store is reachable, its key is not: no key file is made in the directory given.
          const run = await adminToken(backend, ['--data-dir', elsewhere]);
          assert.equal(run.code, 1);
          assert.match(run.stderr, /there is none here: set TESSERA_SECRET_KEY/);
          assert.equal(existsSync(join(elsewhere, 'secret.key')), false);
        }
        const typo = await adminToken({ ...backend, env: {} }, ['--data-dir', join(elsewhere, 'typo')]);
        assert.equal(typo.code, 1);
        assert.match(typo.stderr, /there is no store at SQLite/);
        assert.equal(existsSync(join(elsewhere, 'typo')), false, 'a store was made where there was none');
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });
  });

  describe(`tessera admin token on a store with no enabled admin, on ${name}`, { skip, timeout: 180_000 }, () => {
    it('creates an admin user as the first start does; a server started after takes its token and bootstraps nothing', async () => {
      const backend = await make();
      let server: ServerProcess | undefined;
      try {
        // A store made (migrated) but never served: no users yet.
        const migrated = await tessera(['migrate', ...backend.args], backend.env);
        assert.equal(migrated.code, 0, migrated.stderr);
        const run = await adminToken(backend);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /created the admin user admin/);
        const secret = printedSecret(run);
        server = await startServerProcess([...backend.args, '--log-level', 'warn'], backend.env);
        assert.doesNotMatch(server.stderr(), /First start/);
        const whoami = await call(server.url, secret, 'GET', '/v1/whoami');
        assert.equal(whoami.status, 200, JSON.stringify(whoami.body));
        assert.equal(whoami.body.user.name, 'admin');
        assert.equal(whoami.body.user.role, 'admin');
        const users = await queryStore<{ n: number }>(backend, 'select count(*) as n from users');
        assert.equal(Number(users[0]!.n), 1);
      } finally {
        await server?.stop();
        await backend.cleanup();
      }
    });
  });
}
