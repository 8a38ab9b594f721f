import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, describe, it } from 'node:test';
import type { RateLimitRule } from '../../src/core/rate-limit.js';
import type { RateLimitOutcome } from '../../src/service/rate-limiter.js';
import { RedisRateLimiter, type UnavailablePolicy } from '../../src/adapters/redis/redis-rate-limiter.js';
import { redisTestServer } from '../support/redis.js';
import { TcpProxy } from './tcp-proxy.js';

const redis = await redisTestServer();
const server = 'skip' in redis ? undefined : redis;
after(() => server?.cleanup());

// An hour's window: nothing comes back while a test runs, so `remaining` counts exactly what Redis saw.
const rule: RateLimitRule = { name: 'hourly', limit: 5, durationMs: 3_600_000 };
// Failing fast is the behaviour under test: with a 200 ms command timeout, a second is generous.
const FAST_MS = 1000;

/** How long `run` took; rejects rather than hang when it never answers, so the test fails and ends. */
async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
  });
  try {
    const value = await Promise.race([run(), hung]);
    return { value, ms: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

// Closed after the tests even when one fails midway, so that no socket keeps the process alive.
const opened: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const resource of opened) await resource.close();
});

/** Peeks until Redis answers again; recovery is ioredis reconnecting by itself, within a second or so. */
async function untilCounting(limiter: RedisRateLimiter, key: string): Promise<RateLimitOutcome> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { value: outcome } = await timed(() => limiter.consume([{ key, rule, cost: 0 }], Date.now()));
    if (!outcome.degraded) return outcome;
    assert.ok(Date.now() < deadline, 'the limiter did not recover within 15 s of Redis coming back');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('RedisRateLimiter when Redis is unreachable', { skip: 'skip' in redis ? redis.skip : undefined }, () => {
  for (const failure of ['refuse', 'stall'] as const) {
    for (const policy of ['open', 'closed'] as UnavailablePolicy[]) {
      it(
        `${policy}: answers degraded at once while Redis ${failure === 'refuse' ? 'refuses connections' : 'is partitioned away'}, and counts again when it is back`,
        { timeout: 30_000 },
        async () => {
          const target = new URL(server!.url);
          const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 6379) });
          const events: string[] = [];
          const limiter = new RedisRateLimiter({
            url: proxy.urlFor(server!.url),
            keyPrefix: server!.keyPrefix,
            onUnavailable: policy,
            unavailableRetryAfterMs: 1500,
            onDegraded: (error) => events.push(`degraded: ${error instanceof Error}`),
            onRecovered: () => events.push('recovered'),
          });
          opened.push(proxy, limiter);
          const key = `${failure}-${policy}:${randomBytes(4).toString('hex')}`;
          const spend = () => limiter.consume([{ key, rule, cost: 1 }], Date.now());
          assert.equal(await limiter.ready(), true);
          assert.deepEqual([(await spend()).remaining, (await spend()).remaining], [4, 3]);

          if (failure === 'refuse') await proxy.refuse();
          else proxy.stall();
          for (let i = 0; i < 2; i++) {
            const { value: outcome, ms } = await timed(spend);
            assert.ok(ms < FAST_MS, `answered in ${Math.round(ms)} ms`);
            assert.equal(outcome.degraded, true);
            assert.equal(outcome.allowed, policy === 'open');
            assert.equal(outcome.name, 'hourly');
            assert.equal(outcome.retryAfterMs, policy === 'open' ? 0 : 1500);
          }
          assert.deepEqual(events, ['degraded: true'], 'reported once per outage');

          await proxy.restore();
          const back = await untilCounting(limiter, key);
          assert.deepEqual(events, ['degraded: true', 'recovered']);
          // Refused requests never reached Redis. Stalled ones did, late, as TCP delivers them:
          // Redis counted them although their callers had been answered, erring towards the limit.
          const lateArrivals = failure === 'stall' ? 2 : 0;
          assert.equal(back.remaining, 3 - lateArrivals);
          const next = await spend();
          assert.deepEqual([next.allowed, next.degraded, next.remaining], [true, false, 2 - lateArrivals]);
        },
      );
    }
  }

  it('answers by its policy from the start when Redis was never there', { timeout: 30_000 }, async () => {
    const vacant = net.createServer();
    await new Promise<void>((resolve) => vacant.listen(0, '127.0.0.1', resolve));
    const { port } = vacant.address() as net.AddressInfo;
    await new Promise((resolve) => vacant.close(resolve));
    for (const policy of ['open', 'closed'] as UnavailablePolicy[]) {
      const limiter = new RedisRateLimiter({ url: `redis://127.0.0.1:${port}`, onUnavailable: policy });
      opened.push(limiter);
      assert.equal(await limiter.ready(300), false);
      const { value: outcome, ms } = await timed(() => limiter.consume([{ key: 'k', rule, cost: 1 }], 1000));
      assert.ok(ms < FAST_MS, `answered in ${Math.round(ms)} ms`);
      assert.deepEqual(outcome, {
        allowed: policy === 'open',
        name: 'hourly',
        limit: 5,
        remaining: 0,
        resetAt: policy === 'open' ? 1000 : 2000,
        retryAfterMs: policy === 'open' ? 0 : 1000,
        degraded: true,
      });
    }
  });
});
