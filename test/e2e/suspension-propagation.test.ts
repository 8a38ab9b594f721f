import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** Suspending a token, and disabling a user, reach every node within a second (issue 22); so does undoing them. */
const DEADLINE_MS = 1000;

async function call(url: string, as: string | null, method: string, body?: object): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { ...(as ? { authorization: `Bearer ${as}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${url} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const codeOn = async (node: string, secret: string) => (await call(`${node}/v1/verify`, null, 'POST', { token: secret })).code as string;

/** How long until `node` answers `want` for every secret, asking without pause; fails past twice the deadline rather than waiting forever. */
async function msUntil(node: string, secrets: string[], want: string): Promise<number> {
  const start = performance.now();
  for (;;) {
    const codes = await Promise.all(secrets.map((s) => codeOn(node, s)));
    if (codes.every((c) => c === want)) return performance.now() - start;
    if (performance.now() - start > 2 * DEADLINE_MS) assert.fail(`still ${codes.join(', ')} after ${2 * DEADLINE_MS} ms, wanted ${want}`);
  }
}

function suite(name: string, backendOf: () => Promise<ServerBackend | string>, env: Record<string, string>) {
  describe(`suspension reaches the other node within a second: ${name}`, () => {
    const admin = generateSecret('tsr', randomBytes);
    const servers: ServerProcess[] = [];
    let backend: ServerBackend | string;
    before(async () => {
      backend = await backendOf();
      if (typeof backend === 'string') return;
      for (let i = 0; i < 2; i++) {
        servers.push(await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, ...env, TESSERA_BOOTSTRAP_TOKEN: admin }));
      }
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      if (backend && typeof backend !== 'string') await backend.cleanup();
    });

    it('a token suspended on node A answers DISABLED on node B, and VALID again once enabled', async (t) => {
      if (typeof backend === 'string') return t.skip(backend);
      const [a, b] = servers.map((s) => s.url) as [string, string];
      const { token, secret } = await call(`${a}/v1/tokens`, admin, 'POST', { name: 'suspended on A' });
      // Warm on B: its answer comes from B's cache, which only the change feed can correct.
      for (let i = 0; i < 3; i++) assert.equal(await codeOn(b, secret), 'VALID');
      await call(`${a}/v1/tokens/${token.id}/disable`, admin, 'POST');
      const off = await msUntil(b, [secret], 'DISABLED');
      await call(`${a}/v1/tokens/${token.id}/enable`, admin, 'POST');
      const on = await msUntil(b, [secret], 'VALID');
      t.diagnostic(`suspension ${off.toFixed(0)} ms, resumption ${on.toFixed(0)} ms`);
      assert.ok(off <= DEADLINE_MS && on <= DEADLINE_MS, `took ${off.toFixed(0)} / ${on.toFixed(0)} ms`);
    });

    it('a user disabled on node A: all their tokens answer DISABLED on node B; enabled: restored, but the one suspended on its own', async (t) => {
      if (typeof backend === 'string') return t.skip(backend);
      const [a, b] = servers.map((s) => s.url) as [string, string];
      const { user } = await call(`${a}/v1/users`, admin, 'POST', { name: 'leaving soon' });
      const made = await Promise.all(['one', 'two', 'paused'].map((name) => call(`${a}/v1/tokens`, admin, 'POST', { name, ownerUserId: user.id })));
      const [one, two, paused] = made as Array<{ token: { id: string }; secret: string }>;
      await call(`${a}/v1/tokens/${paused!.token.id}/disable`, admin, 'POST');
      const live = [one!.secret, two!.secret];
      for (const secret of live) assert.equal(await codeOn(b, secret), 'VALID');
      assert.equal((await msUntil(b, [paused!.secret], 'DISABLED')) <= DEADLINE_MS, true);

      const disabled = await call(`${a}/v1/users/${user.id}/disable`, admin, 'POST');
      assert.equal(disabled.tokens, 3);
      const off = await msUntil(b, live, 'DISABLED');
      await call(`${a}/v1/users/${user.id}/enable`, admin, 'POST');
      const on = await msUntil(b, live, 'VALID');
      assert.equal(await codeOn(b, paused!.secret), 'DISABLED');
      t.diagnostic(`user disabled ${off.toFixed(0)} ms, enabled ${on.toFixed(0)} ms`);
      assert.ok(off <= DEADLINE_MS && on <= DEADLINE_MS, `took ${off.toFixed(0)} / ${on.toFixed(0)} ms`);
    });
  });
}

// A poll slower than the deadline: what arrives in time arrived by NOTIFY.
suite('two processes on PostgreSQL', postgresBackend, { TESSERA_CHANGE_POLL_MS: '5000' });
// No NOTIFY on SQLite: each process reads the change log.
suite('two processes on one SQLite file', sqliteBackend, {});
