import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { loadAgent, postJson } from '../support/http-load.js';
import { backendsToRun, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { slowRequest } from '../support/slow-request.js';
import { queryStore } from '../support/store-query.js';
import { waitFor } from '../support/wait-for.js';

const USES = 25;

/** Requests to `route` the server has logged as begun (its JSON log on stdout; at level debug a request's first line). */
function begun(server: ServerProcess, route: string): number {
  return server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; req?: { route?: string } })
    .filter((entry) => entry.msg === 'incoming request' && entry.req?.route === route).length;
}

/**
 * A server that writes usage behind only once an hour, so every use below is still in memory
 * when it is told to stop; a token verified USES times; and a verification of it begun, its
 * body half sent, so it is under way when the signal comes.
 */
async function serverWithPendingUses(backend: ServerBackend, env: Record<string, string>) {
  const admin = generateSecret('tsr', randomBytes);
  const server = await startServerProcess(backend.args, {
    ...backend.env,
    TESSERA_BOOTSTRAP_TOKEN: admin,
    TESSERA_USAGE_FLUSH_MS: '3600000',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const agent = loadAgent(10);
  try {
    const created = await postJson(`${server.url}/v1/tokens`, { name: 'counted' }, agent, { authorization: `Bearer ${admin}` });
    assert.equal(created.status, 201);
    const { secret, token } = created.body as { secret: string; token: { id: string } };
    const verified = await Promise.all(Array.from({ length: USES }, () => postJson(`${server.url}/v1/verify`, { token: secret }, agent)));
    assert.deepEqual(new Set(verified.map((r) => r.body.code)), new Set(['VALID']));
    const startedAt = Date.now();
    const underWay = slowRequest(`${server.url}/v1/verify`, { token: secret });
    await waitFor('the server to begin the slow request', () => (begun(server, '/v1/verify') === USES + 1 ? true : undefined));
    return { server, tokenId: token.id, startedAt, underWay };
  } finally {
    agent.destroy();
  }
}

async function storedUse(backend: ServerBackend, tokenId: string) {
  const [row] = await queryStore<{ use_count: number | string; active_at: number | string | null }>(
    backend,
    'select coalesce(use_count, 0) as use_count, active_at from tokens left join token_uses on token_id = id where id = ?',
    [tokenId],
  );
  return { useCount: Number(row!.use_count), activeAt: row!.active_at === null ? null : Number(row!.active_at) };
}

/** SIGTERM, then waits until the server says it is shutting down. */
async function terminate(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await waitFor('the shutdown to begin', () => (/SIGTERM: shutting down/.test(server.stderr()) ? true : undefined));
}

for (const { name, skip, make } of await backendsToRun()) {
  describe(`SIGTERM on ${name}`, { skip, timeout: 120_000 }, () => {
    it('answers the request under way, writes every use behind, and exits 0', async () => {
      const backend = await make();
      try {
        const { server, tokenId, startedAt, underWay } = await serverWithPendingUses(backend, {});
        try {
          await terminate(server);
          underWay.finish();
          const answer = await underWay.response;
          assert.equal(answer.status, 200);
          assert.equal(answer.body.code, 'VALID');
          assert.equal(answer.connection, 'close', 'the client is told not to send more on that connection');
          assert.equal(await server.exited, 0);
        } finally {
          await server.stop();
        }
        const stored = await storedUse(backend, tokenId);
        assert.equal(stored.useCount, USES + 1, 'the uses held in memory, the one answered while closing included');
        assert.ok(stored.activeAt !== null && stored.activeAt >= startedAt, 'last-used is the request answered while closing');
      } finally {
        await backend.cleanup();
      }
    });

    it('cuts a request still unfinished after TESSERA_SHUTDOWN_TIMEOUT_MS, then writes the uses and exits 0', async () => {
      const backend = await make();
      try {
        const { server, tokenId, underWay } = await serverWithPendingUses(backend, { TESSERA_SHUTDOWN_TIMEOUT_MS: '300' });
        try {
          await terminate(server);
          await assert.rejects(underWay.response, 'the connection is closed without an answer');
          assert.equal(await server.exited, 0);
          assert.match(server.stderr(), /cut 1 connection/);
        } finally {
          await server.stop();
        }
        assert.equal((await storedUse(backend, tokenId)).useCount, USES, 'the cut request never ran; every other use is written');
      } finally {
        await backend.cleanup();
      }
    });
  });
}
