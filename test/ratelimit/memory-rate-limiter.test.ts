import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RateLimitRule } from '../../src/core/rate-limit.js';
import { MemoryRateLimiter } from '../../src/service/rate-limiter.js';

const NOW = 1_700_000_000_000;
const perSecond: RateLimitRule = { name: 'second', limit: 2, durationMs: 1000 };

describe('MemoryRateLimiter', () => {
  it('admits limit requests, denies the next with resetAt a window after the first', async () => {
    const limiter = new MemoryRateLimiter();
    const r: RateLimitRule = { name: 'r', limit: 4, durationMs: 10_000 };
    for (let i = 0; i < 4; i++) assert.equal((await limiter.consume([{ key: 'k', rule: r, cost: 1 }], NOW + i)).allowed, true);
    // Spent from NOW on at one request per 2500 ms: the bucket is full again at NOW + 10 000.
    const denied = await limiter.consume([{ key: 'k', rule: r, cost: 1 }], NOW + 4);
    assert.deepEqual([denied.allowed, denied.resetAt, denied.retryAfterMs], [false, NOW + 10_000, 2496]);
  });

  it('forgets keys whose bucket is full again once it passes maxKeys', async () => {
    const limiter = new MemoryRateLimiter({ maxKeys: 10 });
    for (let i = 0; i < 10; i++) await limiter.consume([{ key: `k${i}`, rule: perSecond, cost: 1 }], NOW);
    assert.equal(limiter.size, 10);
    await limiter.consume([{ key: 'late', rule: perSecond, cost: 1 }], NOW + 500);
    assert.equal(limiter.size, 1, 'the ten spent at NOW were full again at NOW + 500');
    assert.equal((await limiter.consume([{ key: 'late', rule: perSecond, cost: 2 }], NOW + 500)).allowed, false);
  });

  it('drops the longest-known live keys when the expired ones do not make room, sparing once those spent again', async () => {
    const limiter = new MemoryRateLimiter({ maxKeys: 10 });
    for (let i = 0; i < 10; i++) await limiter.consume([{ key: `k${i}`, rule: perSecond, cost: 1 }], NOW);
    await limiter.consume([{ key: 'k0', rule: perSecond, cost: 0 }], NOW);
    await limiter.consume([{ key: 'k1', rule: perSecond, cost: 1 }], NOW);
    await limiter.consume([{ key: 'new', rule: perSecond, cost: 1 }], NOW);
    assert.equal(limiter.size, 9);
    // Peeks (cost 0) write nothing: a forgotten key shows a full bucket (2 left).
    const left = async (key: string) => (await limiter.consume([{ key, rule: perSecond, cost: 0 }], NOW)).remaining;
    // k0 (only peeked at) and k2 went; k1, spent again since, was spared; k3 on stay.
    assert.deepEqual([await left('k0'), await left('k1'), await left('k2'), await left('k3'), await left('new')], [2, 0, 2, 1, 1]);
  });
});
