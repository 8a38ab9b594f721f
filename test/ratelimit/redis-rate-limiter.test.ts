import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { RateLimitCheck, RateLimitRule } from '../../src/core/rate-limit.js';
import { MemoryRateLimiter } from '../../src/service/rate-limiter.js';
import { RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter.js';
import { redisKeys, redisTestServer, redisTime } from '../support/redis.js';

const redis = await redisTestServer();
const server = 'skip' in redis ? undefined : redis;
after(() => server?.cleanup());

describe('RedisRateLimiter', { skip: 'skip' in redis ? redis.skip : undefined }, () => {
  const open = async (clock: 'redis' | 'caller') => {
    const limiter = new RedisRateLimiter({ url: server!.url, keyPrefix: server!.keyPrefix, clock, onUnavailable: 'closed' });
    assert.equal(await limiter.ready(), true);
    return limiter;
  };
  let onServerClock: RedisRateLimiter;
  let onCallerClock: RedisRateLimiter;
  before(async () => {
    onServerClock = await open('redis');
    onCallerClock = await open('caller');
  });
  after(async () => {
    await onServerClock?.close();
    await onCallerClock?.close();
  });

  it("counts on the Redis server's clock, whatever the caller's says", async () => {
    const key = `server-clock:${randomBytes(4).toString('hex')}`;
    // 120 s a request: no request comes back while the test runs, so the answers are exact.
    const r: RateLimitRule = { name: 'r', limit: 5, durationMs: 600_000 };
    const before = await redisTime();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await onServerClock.consume([{ key, rule: r, cost: 1 }], 0));
    const after = await redisTime();
    assert.deepEqual(
      answers.map((o) => [o.allowed, o.remaining, o.degraded]),
      [
        [true, 4, false],
        [true, 3, false],
        [true, 2, false],
        [true, 1, false],
        [true, 0, false],
        [false, 0, false],
      ],
    );
    // The bucket is full again one window after the first request, which Redis saw between before and after.
    const denied = answers[5]!;
    assert.ok(denied.resetAt >= before + 600_000 && denied.resetAt <= after + 600_000, `resetAt ${denied.resetAt - before} ms after the first`);
    assert.ok(denied.retryAfterMs > 120_000 - (after - before) && denied.retryAfterMs <= 120_000, `retryAfterMs ${denied.retryAfterMs}`);
  });

  it('stores each key under the prefix, expiring when its bucket is full again', async () => {
    const key = `stored:${randomBytes(4).toString('hex')}`;
    const r: RateLimitRule = { name: 'r', limit: 4, durationMs: 60_000 };
    const outcome = await onServerClock.consume(
      [
        { key, rule: r, cost: 2 },
        { key: `${key}:peeked`, rule: r, cost: 0 },
      ],
      0,
    );
    const now = await redisTime();
    const stored = await redisKeys(server!.keyPrefix + key);
    assert.deepEqual([...stored.keys()], [server!.keyPrefix + key], 'a peek writes nothing');
    const { value, ttlMs } = stored.get(server!.keyPrefix + key)!;
    assert.match(value!, /^\d+:\d+$/);
    assert.equal(Number(value!.split(':')[0]), outcome.resetAt, 'TAT is a whole ms here: 2 × 15 000');
    assert.ok(ttlMs > 0 && ttlMs <= outcome.resetAt - now + 1, `expires ${ttlMs} ms from now, full at +${outcome.resetAt - now}`);
  });

  it('decides exactly as the in-memory limiter over any sequence of requests', async () => {
    // Small ranges and many simultaneous requests, so that ties between rules come up and get broken alike.
    const ruleArb = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      limit: fc.integer({ min: 1, max: 8 }),
      durationMs: fc.oneof(fc.constantFrom(1, 10, 60, 1000, 3000), fc.integer({ min: 1, max: 3000 })),
    });
    const checkArb = (rules: RateLimitRule[]) => fc.record({ key: fc.constantFrom('x', 'y', 'z'), rule: fc.constantFrom(...rules), cost: fc.nat({ max: 3 }) });
    const scenarioArb = fc.array(ruleArb, { minLength: 1, maxLength: 3 }).chain((rules) =>
      fc.array(fc.record({ gap: fc.oneof(fc.constant(0), fc.nat({ max: 1500 })), checks: fc.array(checkArb(rules), { maxLength: 3 }) }), {
        minLength: 1,
        maxLength: 25,
      }),
    );
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (requests) => {
        const run = randomBytes(4).toString('hex');
        const memory = new MemoryRateLimiter();
        let now = 1_700_000_000_000;
        for (const { gap, checks } of requests) {
          now += gap;
          const inRedis: RateLimitCheck[] = checks.map((c) => ({ ...c, key: `diff:${run}:${c.key}` }));
          assert.deepEqual(await onCallerClock.consume(inRedis, now), await memory.consume(checks, now));
        }
      }),
      { numRuns: 100 },
    );
  });
});
