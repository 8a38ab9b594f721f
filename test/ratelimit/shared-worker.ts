import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter.js';

/**
 * One tessera node, for shared-processes.test.ts: argv url, keyPrefix, key, limit, durationMs,
 * count. Says "ready" once connected, waits for "go" on stdin so that both nodes fire at once,
 * then spends `count` requests concurrently and prints their outcomes as one line of JSON.
 */
const [url, keyPrefix, key, limit, durationMs, count] = process.argv.slice(2);
const limiter = new RedisRateLimiter({ url: url!, keyPrefix: keyPrefix!, onUnavailable: 'closed' });
if (!(await limiter.ready())) {
  console.error(`Redis not ready at ${url}`);
  process.exit(2);
}
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
const [line] = (await once(lines, 'line')) as [string];
if (line !== 'go') process.exit(3);
const rule = { name: 'shared', limit: Number(limit), durationMs: Number(durationMs) };
const outcomes = await Promise.all(Array.from({ length: Number(count) }, () => limiter.consume([{ key: key!, rule, cost: 1 }], Date.now())));
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
lines.close();
await limiter.close();
