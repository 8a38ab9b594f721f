import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import type { RateLimitOutcome } from '../../src/service/rate-limiter.js';
import { redisTestServer } from '../support/redis.js';

const redis = await redisTestServer();
const server = 'skip' in redis ? undefined : redis;
after(() => server?.cleanup());

const WORKER = fileURLToPath(new URL('./shared-worker.js', import.meta.url));

/** A node in its own process; `lines` yields what it prints, one line at a time. */
function startNode(args: string[]) {
  const child = spawn(process.execPath, ['--enable-source-maps', WORKER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const nextLine = async () => {
    const { value, done } = await lines.next();
    assert.ok(!done, 'the node exited before answering');
    return value as string;
  };
  return { child, nextLine, exited };
}

describe('RedisRateLimiter across processes', { skip: 'skip' in redis ? redis.skip : undefined }, () => {
  it('shares one count: two nodes firing at once admit exactly limit between them', async () => {
    const limit = 25;
    // An hour's window: nothing comes back while the test runs, so the count is exact.
    const args = [server!.url, server!.keyPrefix, `shared:${randomBytes(4).toString('hex')}`, String(limit), '3600000', '40'];
    const nodes = [startNode(args), startNode(args)];
    try {
      for (const node of nodes) assert.equal(await node.nextLine(), 'ready');
      for (const node of nodes) node.child.stdin.write('go\n');
      const outcomes = (await Promise.all(nodes.map((n) => n.nextLine()))).flatMap((line) => JSON.parse(line) as RateLimitOutcome[]);
      for (const node of nodes) assert.deepEqual(await node.exited, [0, null]);

      assert.equal(outcomes.length, 80);
      assert.equal(outcomes.filter((o) => o.degraded).length, 0);
      const admitted = outcomes.filter((o) => o.allowed);
      assert.equal(admitted.length, limit);
      // Each admission saw a different count: the two nodes' requests were applied one at a time.
      assert.deepEqual(
        admitted.map((o) => o.remaining).sort((a, b) => a - b),
        Array.from({ length: limit }, (_, i) => i),
      );
    } finally {
      for (const node of nodes) node.child.kill();
    }
  });
});
