import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { generateSecret } from '../../src/core/secret.js';
import { postgresTestUrl } from '../support/postgres.js';
import { bootstrapSecretIn, startServerProcess } from '../support/server-process.js';

interface Backend {
  name: string;
  args: string[];
  env: Record<string, string>;
  /** Every byte the store holds, as text, to search for secrets. */
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  return {
    name: 'sqlite',
    args: ['--data-dir', dir],
    env: {},
    dump: async () =>
      readdirSync(dir)
        .map((file) => readFileSync(join(dir, file)).toString('latin1'))
        .join('\n'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresBackend(): Promise<Backend | string> {
  const db = await postgresTestUrl();
  if ('skip' in db) return db.skip;
  return {
    name: 'postgres',
    args: [],
    env: { DATABASE_URL: db.url },
    async dump() {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const tables = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'");
        const rows = await Promise.all(tables.rows.map((t) => client.query(`select * from "${t.tablename}"`).then((r) => JSON.stringify(r.rows))));
        return rows.join('\n');
      } finally {
        await client.end();
      }
    },
    cleanup: db.drop,
  };
}

for (const make of [async () => sqliteBackend(), postgresBackend]) {
  const backend = await make();
  const skip = typeof backend === 'string' ? backend : undefined;
  const name = typeof backend === 'string' ? 'postgres' : backend.name;

  describe(`tessera serve on ${name}: the README quickstart over real HTTP`, { skip }, () => {
    const b = backend as Backend;
    const secrets: string[] = [];
    const logs: string[] = [];
    after(() => b.cleanup());

    it('bootstraps once, serves the quickstart, keeps everything across a restart, and never stores or logs a secret', async () => {
      const first = await startServerProcess(b.args, b.env);
      const admin = bootstrapSecretIn(first.stderr());
      assert.ok(admin, `a first start prints an admin token:\n${first.stderr()}`);
      secrets.push(admin);

      assert.equal((await call(first.url, 'GET', '/healthz')).status, 200);
      assert.equal((await call(first.url, 'GET', '/readyz')).status, 200);

      const created = await call(first.url, 'POST', '/v1/tokens', admin, { name: 'quickstart', scopes: ['docs:read'] });
      assert.equal(created.status, 201);
      const { token, secret } = created.body;
      secrets.push(secret);

      const valid = await call(first.url, 'POST', '/v1/verify', undefined, { token: secret, scopes: ['docs:read'] });
      assert.equal(valid.body.code, 'VALID');

      const rotated = await call(first.url, 'POST', `/v1/tokens/${token.id}/rotate`, admin, { gracePeriodMs: 3_600_000 });
      assert.equal(rotated.status, 201);
      secrets.push(rotated.body.secret);
      const renamed = await call(first.url, 'PATCH', `/v1/tokens/${rotated.body.token.id}`, admin, { name: 'renamed' });
      assert.equal(renamed.body.token.name, 'renamed');

      const revoked = await call(first.url, 'POST', `/v1/tokens/${token.id}/revoke`, admin);
      assert.equal(revoked.status, 200);
      assert.equal((await call(first.url, 'POST', '/v1/verify', undefined, { token: secret })).body.code, 'REVOKED');
      assert.equal((await call(first.url, 'POST', '/v1/verify', undefined, { token: rotated.body.secret })).body.code, 'VALID');

      const doomed = await call(first.url, 'POST', '/v1/tokens', admin, { name: 'doomed' });
      secrets.push(doomed.body.secret);
      assert.equal((await call(first.url, 'DELETE', `/v1/tokens/${doomed.body.token.id}`, admin)).status, 204);
      // A secret passed in the query string must not reach the log either.
      assert.equal((await call(first.url, 'GET', `/v1/whoami?token=${admin}`)).status, 200);

      assert.equal(await first.stop(), 0, 'SIGTERM exits cleanly');
      logs.push(first.stdout(), first.stderr());

      const second = await startServerProcess(b.args, b.env);
      assert.equal(bootstrapSecretIn(second.stderr()), undefined, 'a second start prints no new token');
      const list = await call(second.url, 'GET', '/v1/tokens', admin);
      assert.equal(list.status, 200, 'the admin token still works');
      const byId = new Map(list.body.items.map((t: { id: string }) => [t.id, t]));
      assert.equal((byId.get(token.id) as { status: string }).status, 'revoked');
      const kept = byId.get(rotated.body.token.id) as { name: string; activeAt: number | null };
      assert.equal(kept.name, 'renamed');
      assert.ok(kept.activeAt !== null, 'last-used was flushed on shutdown');
      assert.equal(byId.has(doomed.body.token.id), false);
      assert.equal((await call(second.url, 'POST', '/v1/verify', undefined, { token: rotated.body.secret })).body.code, 'VALID');

      const audit = await call(second.url, 'GET', '/v1/audit?limit=200', admin);
      const actions = audit.body.items.map((e: { action: string }) => e.action).reverse();
      assert.deepEqual(actions, ['bootstrap', 'token.create', 'token.rotate', 'token.update', 'token.revoke', 'token.create', 'token.delete']);
      assert.equal(await second.stop(), 0);
      logs.push(second.stdout(), second.stderr());

      const stored = await b.dump();
      const log = logs[0]! + logs[2]!;
      assert.match(log, /"route":"\/v1\/whoami"/, 'the request log is there to search: the route, not the URL with its ?token=');
      for (const s of secrets) {
        assert.equal(stored.includes(s), false, 'no secret in the store');
        assert.equal(log.includes(s), false, 'no secret in the JSON log');
      }
      assert.equal(logs[1]!.split(admin).length - 1, 2, 'stderr shows the admin token once (and in the curl hint), on the first start only');
      for (const s of secrets.slice(1)) assert.equal(logs[1]!.includes(s), false);
    });
  });
}

describe('TESSERA_BOOTSTRAP_TOKEN', () => {
  it('is used on a first start instead of printing a new token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-env-'));
    const token = generateSecret('tsr', randomBytes);
    const server = await startServerProcess(['--data-dir', dir], { TESSERA_BOOTSTRAP_TOKEN: token });
    try {
      assert.match(server.stderr(), /TESSERA_BOOTSTRAP_TOKEN/);
      assert.equal(server.stderr().includes(token), false, 'a token the operator chose is not echoed');
      const who = await call(server.url, 'GET', '/v1/whoami', token);
      assert.equal(who.status, 200);
      assert.equal(who.body.user.role, 'admin');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a value that is not a tessera token, and stores nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-env-'));
    try {
      await assert.rejects(startServerProcess(['--data-dir', dir], { TESSERA_BOOTSTRAP_TOKEN: 'password123' }), /exited with 1[\s\S]*TESSERA_BOOTSTRAP_TOKEN/);
      const server = await startServerProcess(['--data-dir', dir]);
      assert.ok(bootstrapSecretIn(server.stderr()), 'the store was left empty, so a later start bootstraps');
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
