import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { childPids, isAlive } from '../support/process-tree.js';
import { backendsToRun, sqliteBackend } from '../support/server-backends.js';
import { bootstrapSecretIn, startServerProcess } from '../support/server-process.js';
import { queryStore } from '../support/store-query.js';
import { waitFor } from '../support/wait-for.js';

const VERIFICATIONS = 40;

/** POSTs JSON on a new connection (the cluster hands each connection to one worker); the answer and its request id. */
function postOnNewConnection(url: string, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  return new Promise<{ status: number; requestId: string; body: any }>((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-request-id']), body: JSON.parse(text) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Which process logged each request id: the workers share the primary's stdout, and pino puts its pid on every line. */
function pidsByRequestId(log: string): Map<string, number> {
  const entries = log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { reqId?: string; pid: number });
  return new Map(entries.filter((e) => e.reqId !== undefined).map((e) => [e.reqId!, e.pid]));
}

for (const { name, skip, make } of await backendsToRun()) {
  describe(`tessera serve --workers 2 on ${name}`, { skip, timeout: 180_000 }, () => {
    it('bootstraps once, answers from both workers, replaces a killed one, and stops them all on SIGTERM with their uses written', async () => {
      const backend = await make();
      try {
        const server = await startServerProcess([...backend.args, '--workers', '2'], { ...backend.env, TESSERA_USAGE_FLUSH_MS: '3600000', LOG_LEVEL: 'debug' });
        const seen = new Set<number>();
        try {
          assert.equal(server.stderr().match(/listening on/g)?.length, 1, 'the primary announces the cluster once');
          assert.equal(server.stderr().match(/First start/g)?.length, 1);
          const admin = bootstrapSecretIn(server.stderr());
          assert.ok(admin);

          const primary = server.child.pid!;
          const first = childPids(primary);
          assert.equal(first.length, 2);
          first.forEach((pid) => seen.add(pid));
          assert.equal((await fetch(`${server.url}/readyz`)).status, 200);

          process.kill(first[0]!, 'SIGKILL');
          await waitFor('the primary to replace the killed worker', () =>
            new RegExp(`worker ${first[0]} exited \\(SIGKILL\\); starting another[\\s\\S]*listening in its place`).test(server.stderr()) ? true : undefined,
          );
          const workers = childPids(primary);
          assert.equal(workers.length, 2);
          assert.ok(!workers.includes(first[0]!) && workers.includes(first[1]!));
          workers.forEach((pid) => seen.add(pid));

          const created = await postOnNewConnection(`${server.url}/v1/tokens`, { name: 'counted' }, { authorization: `Bearer ${admin}` });
          assert.equal(created.status, 201);
          const answers: Awaited<ReturnType<typeof postOnNewConnection>>[] = [];
          for (let i = 0; i < VERIFICATIONS; i++) answers.push(await postOnNewConnection(`${server.url}/v1/verify`, { token: created.body.secret }));
          assert.ok(answers.every((a) => a.status === 200 && a.body.code === 'VALID'));
          // The log reaches this process by a pipe of its own, possibly after the answers.
          const byRequest = await waitFor('every request in the log', () => {
            const logged = pidsByRequestId(server.stdout());
            return answers.every((a) => logged.has(a.requestId)) ? logged : undefined;
          });
          const answeredBy = new Set(answers.map((a) => byRequest.get(a.requestId)));
          assert.deepEqual([...answeredBy].sort(), [...workers].sort(), 'both workers answer, and only they');

          // Whichever worker a scrape reaches, /metrics counts the requests of both.
          for (let scrape = 0; scrape < 4; scrape++) {
            const metrics = await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } });
            assert.equal(metrics.status, 200);
            const text = await metrics.text();
            const sample = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
            assert.equal(sample(/^tessera_http_requests_total\{method="POST",route="\/v1\/verify",code="200"\} (\d+)$/m), VERIFICATIONS, text.slice(0, 2000));
            assert.equal(sample(/^tessera_http_request_duration_seconds_count\{method="POST",route="\/v1\/verify",code="200"\} (\d+)$/m), VERIFICATIONS);
            assert.equal(sample(/^tessera_verify_outcomes_total\{code="VALID"\} (\d+)$/m), VERIFICATIONS);
            assert.equal(sample(/^tessera_http_requests_total\{method="POST",route="\/v1\/tokens",code="201"\} (\d+)$/m), 1);
            assert.equal(sample(/^tessera_change_feed_live (\d+)$/m), 1);
            const ratio = sample(/^tessera_token_cache_hit_ratio ([\d.e-]+)$/m);
            assert.ok(ratio > 0 && ratio <= 1, `hit ratio ${ratio}: the mean of the workers', not their sum`);
          }

          server.child.kill('SIGTERM');
          assert.equal(await server.exited, 0);
        } finally {
          await server.stop();
        }
        for (const pid of seen) assert.equal(isAlive(pid), false, `worker ${pid} is gone`);
        const [row] = await queryStore<{ use_count: number | string }>(
          backend,
          'select use_count from token_uses join tokens on id = token_id where name = ?',
          ['counted'],
        );
        assert.equal(Number(row!.use_count), VERIFICATIONS, 'each worker wrote its uses on the way out');
      } finally {
        await backend.cleanup();
      }
    });
  });
}

describe('tessera serve --workers 2 that cannot start', () => {
  it('says once that the port is taken and exits 1, instead of restarting its workers forever or failing its shutdown', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const backend = await sqliteBackend();
    try {
      const port = String((taken.address() as AddressInfo).port);
      const failure = await startServerProcess([...backend.args, '--workers', '2', '--port', port]).then(
        () => assert.fail('served on a taken port'),
        (e: Error) => e.message,
      );
      assert.match(failure, /exited with 1 before listening/);
      assert.equal(failure.match(/is taken by another process: .* --port <n>/g)?.length, 1, failure);
      assert.doesNotMatch(failure, /shutdown failed/, failure);
      assert.doesNotMatch(failure, /^\s+at /m, 'no stack trace');
    } finally {
      taken.close();
      await backend.cleanup();
    }
  });
});
