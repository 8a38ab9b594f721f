import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RateLimitCheck, RateLimitRule } from '../../src/core/rate-limit.js';
import { MemoryRateLimiter, type RateLimiter, type RateLimitOutcome } from '../../src/service/rate-limiter.js';
import { RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter.js';
import { redisTestServer } from '../support/redis.js';

// Both limiters on the caller's clock, so every instant below is exact.
const NOW = 1_700_000_000_000;

const redis = await redisTestServer();
const limiters: Array<{ name: string; skip?: string; open(): Promise<RateLimiter> }> = [
  { name: 'memory', open: async () => new MemoryRateLimiter() },
  {
    name: 'redis',
    ...('skip' in redis ? { skip: redis.skip } : {}),
    open: async () => {
      if ('skip' in redis) throw new Error(redis.skip);
      // 'closed', so that a Redis failure shows up as a wrong answer rather than slipping through.
      const limiter = new RedisRateLimiter({ url: redis.url, keyPrefix: redis.keyPrefix, clock: 'caller', onUnavailable: 'closed' });
      assert.equal(await limiter.ready(), true, 'connected to the test Redis');
      return limiter;
    },
  },
];
after(() => ('skip' in redis ? undefined : redis.cleanup()));

const rule = (name: string, limit: number, durationMs: number): RateLimitRule => ({ name, limit, durationMs });
const fresh = (label: string) => `${label}:${randomBytes(4).toString('hex')}`;

for (const factory of limiters) {
  describe(`RateLimiter contract: ${factory.name}`, { skip: factory.skip }, () => {
    let limiter: RateLimiter;
    before(async () => {
      limiter = await factory.open();
    });
    after(() => limiter?.close());

    const consume = async (checks: RateLimitCheck[], now = NOW): Promise<RateLimitOutcome> => {
      const outcome = await limiter.consume(checks, now);
      assert.equal(outcome.degraded, false);
      return outcome;
    };

    it('admits limit requests in a window, denies the next with the resetAt GCRA predicts, and one comes back after durationMs/limit', async () => {
      const key = fresh('n');
      const perMinute = rule('minute', 5, 60_000);
      const admitted = [];
      for (let i = 0; i < 5; i++) admitted.push(await consume([{ key, rule: perMinute, cost: 1 }]));
      assert.deepEqual(
        admitted.map((o) => [o.allowed, o.remaining]),
        [
          [true, 4],
          [true, 3],
          [true, 2],
          [true, 1],
          [true, 0],
        ],
      );
      assert.deepEqual(await consume([{ key, rule: perMinute, cost: 1 }]), {
        allowed: false,
        name: 'minute',
        limit: 5,
        remaining: 0,
        resetAt: NOW + 60_000,
        retryAfterMs: 12_000,
        degraded: false,
      });
      assert.equal((await consume([{ key, rule: perMinute, cost: 1 }], NOW + 11_999)).allowed, false);
      const back = await consume([{ key, rule: perMinute, cost: 1 }], NOW + 12_000);
      assert.deepEqual([back.allowed, back.remaining, back.resetAt], [true, 0, NOW + 72_000]);
    });

    it('counts a rule whose requests are not a whole number of ms apart exactly', async () => {
      const key = fresh('third');
      const r = rule('r', 3, 1000);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await consume([{ key, rule: r, cost: 1 }]));
      assert.deepEqual(
        answers.map((o) => [o.allowed, o.resetAt]),
        [
          [true, NOW + 334],
          [true, NOW + 667],
          [true, NOW + 1000],
          [false, NOW + 1000],
        ],
      );
      assert.equal(answers[3]!.retryAfterMs, 334);
    });

    it('spends nothing on any rule when one denies, and names the one that denied', async () => {
      const second = { key: fresh('s'), rule: rule('second', 10, 1000), cost: 1 };
      const minute = { key: fresh('m'), rule: rule('minute', 3, 60_000), cost: 1 };
      for (let i = 0; i < 3; i++) assert.equal((await consume([second, minute])).allowed, true);
      const denied = await consume([second, minute]);
      assert.deepEqual([denied.allowed, denied.name, denied.remaining, denied.retryAfterMs], [false, 'minute', 0, 20_000]);
      const secondLeft = await consume([{ ...second, cost: 0 }]);
      assert.equal(secondLeft.remaining, 7, 'the denied request took nothing from the per-second rule');
    });

    it('reports the rule with the fewest remaining when all admit', async () => {
      const wide = { key: fresh('w'), rule: rule('wide', 100, 1000), cost: 1 };
      const narrow = { key: fresh('n'), rule: rule('narrow', 4, 1000), cost: 1 };
      assert.deepEqual(await consume([wide, narrow]), {
        allowed: true,
        name: 'narrow',
        limit: 4,
        remaining: 3,
        resetAt: NOW + 250,
        retryAfterMs: 0,
        degraded: false,
      });
    });

    it('charges a cost above 1 as that many requests', async () => {
      const key = fresh('cost');
      const r = rule('r', 10, 1000);
      assert.equal((await consume([{ key, rule: r, cost: 4 }])).remaining, 6);
      assert.equal((await consume([{ key, rule: r, cost: 4 }])).remaining, 2);
      const denied = await consume([{ key, rule: r, cost: 4 }]);
      assert.deepEqual([denied.allowed, denied.remaining, denied.retryAfterMs], [false, 2, 200]);
      assert.deepEqual([(await consume([{ key, rule: r, cost: 2 }])).remaining], [0]);
    });

    it('always denies a cost above the limit, and spends nothing', async () => {
      const key = fresh('over');
      const r = rule('r', 5, 1000);
      const denied = await consume([{ key, rule: r, cost: 6 }]);
      assert.deepEqual([denied.allowed, denied.remaining, denied.retryAfterMs], [false, 5, Infinity]);
      assert.equal((await consume([{ key, rule: r, cost: 5 }])).allowed, true);
    });

    it('keeps keys apart and lets checks on one key add up', async () => {
      const r = rule('r', 2, 1000);
      const a = fresh('a');
      const b = fresh('b');
      await consume([{ key: a, rule: r, cost: 2 }]);
      assert.equal((await consume([{ key: b, rule: r, cost: 2 }])).allowed, true);
      const c = fresh('c');
      assert.equal(
        (
          await consume([
            { key: c, rule: r, cost: 2 },
            { key: c, rule: r, cost: 1 },
          ])
        ).allowed,
        false,
      );
      assert.equal(
        (
          await consume([
            { key: c, rule: r, cost: 1 },
            { key: c, rule: r, cost: 1 },
          ])
        ).remaining,
        0,
      );
    });

    it('answers allowed and nameless with nothing to check, and rejects a rule it cannot count', async () => {
      assert.deepEqual(await consume([]), { allowed: true, name: null, limit: 0, remaining: 0, resetAt: NOW, retryAfterMs: 0, degraded: false });
      await assert.rejects(limiter.consume([{ key: fresh('bad'), rule: rule('r', 0, 1000), cost: 1 }], NOW), RangeError);
      await assert.rejects(limiter.consume([{ key: fresh('bad'), rule: rule('r', 1, 1000), cost: -1 }], NOW), RangeError);
    });
  });
}
