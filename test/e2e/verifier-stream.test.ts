import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/core/digest.js';
import { generateSecret } from '../../src/core/secret.js';
import { EventStreamClient } from '../support/event-stream-client.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/*
 * A verifier streaming from node A hears of a revocation made on node B within a second: the
 * promise an in-process verifier keeps (docs/sdk.md). Real `tessera serve` processes.
 */

const REVOCATIONS = 20;
const DEADLINE_MS = 1000;

async function api(url: string, admin: string, method: string, path: string, body?: object): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text);
}

function describeNodes(name: string, backend: () => Promise<ServerBackend | string>, env: Record<string, string>): void {
  describe(`a revocation on node B reaches a verifier streaming from node A within ${DEADLINE_MS} ms: ${name}`, () => {
    const admin = generateSecret('tsr', randomBytes);
    const servers: ServerProcess[] = [];
    let opened: ServerBackend | string;
    before(async () => {
      opened = await backend();
      if (typeof opened === 'string') return;
      for (let i = 0; i < 2; i++) {
        servers.push(await startServerProcess([...opened.args, '--log-level', 'warn'], { ...opened.env, TESSERA_BOOTSTRAP_TOKEN: admin, ...env }));
      }
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      if (opened && typeof opened !== 'string') await opened.cleanup();
    });

    it('delivers each revocation in time, and a graceful stop ends the stream at once', async (t) => {
      if (typeof opened === 'string') return t.skip(opened);
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const tokens = await Promise.all(Array.from({ length: REVOCATIONS }, (_, i) => api(b.url, admin, 'POST', '/v1/tokens', { name: `stream-${i}` })));
      const client = await EventStreamClient.open(`${a.url}/v1/verifier/changes`, admin);
      assert.equal(client.status, 200);
      await client.waitForEvents('ready', 1);
      const revokedAt = new Map<string, number>();
      for (const { token, secret } of tokens) {
        const digest = digestSecret(secret).toString('base64url');
        // From the request on: the bound includes node B's own answer.
        revokedAt.set(digest, Date.now());
        await api(b.url, admin, 'POST', `/v1/tokens/${token.id}/revoke`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const changes = await client.waitForEvents('change', REVOCATIONS, 10_000);
      const latencies = changes.map((e) => e.at - revokedAt.get(JSON.parse(e.data!).digest)!);
      t.diagnostic(`latencies (ms): ${latencies.sort((x, y) => x - y).join(' ')}`);
      assert.deepEqual(new Set(changes.map((e) => JSON.parse(e.data!).digest)), new Set(revokedAt.keys()));
      assert.equal(latencies.filter((ms) => ms > DEADLINE_MS).length, 0, `late: ${latencies.filter((ms) => ms > DEADLINE_MS).join(', ')}`);
      assert.ok(!tokens.some(({ secret }) => client.text.includes(secret)), 'no secret in the stream');

      const stopping = Date.now();
      assert.equal(await a.stop(), 0);
      await client.waitForEnd();
      assert.ok(Date.now() - stopping < 5_000, 'the open stream did not hold the shutdown');
      assert.doesNotMatch(a.stderr(), /cut \d+ connection/);
    });
  });
}

// NOTIFY is the fast path there: a poll slower than the deadline shows it is the one used.
describeNodes('two processes on PostgreSQL', postgresBackend, { TESSERA_CHANGE_POLL_MS: '5000' });
describeNodes('two processes on one SQLite file', sqliteBackend, {});
