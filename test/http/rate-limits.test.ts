import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachApp } from '../support/app-harness.js';

await describeEachApp('Rate limits on verification and on the management API', (h) => {
  const issue = async (payload: Record<string, unknown>) => {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'limited', ...payload } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { token: { id: string }; secret: string };
  };
  const verify = async (token: string, extra: object = {}) => (await h.request({ method: 'POST', url: '/v1/verify', payload: { token, ...extra } })).json();

  it('allows N in a fresh window, refuses the next with the limit, 0 remaining and when it resets', async () => {
    const { secret } = await issue({ rateLimits: [{ name: 'burst', limit: 3, durationMs: 900 }] });
    const t0 = h.clock.now();
    const remaining = [];
    for (let i = 0; i < 3; i++) remaining.push((await verify(secret)).rateLimit.remaining);
    assert.deepEqual(remaining, [2, 1, 0]);
    assert.deepEqual(await verify(secret), { valid: false, code: 'RATE_LIMITED', rateLimit: { name: 'burst', limit: 3, remaining: 0, resetAt: t0 + 900 } });
    // One request comes back every 900/3 = 300 ms.
    h.clock.advance(299);
    assert.equal((await verify(secret)).code, 'RATE_LIMITED');
    h.clock.advance(1);
    assert.equal((await verify(secret)).code, 'VALID');
    assert.equal((await verify(secret)).code, 'RATE_LIMITED');
  });

  it('applies all limits, all or nothing, or the named ones with their cost', async () => {
    const { secret } = await issue({
      rateLimits: [
        { name: 'second', limit: 5, durationMs: 1000 },
        { name: 'tokens', limit: 100, durationMs: 60_000 },
      ],
    });
    const big = await verify(secret, { rateLimits: [{ name: 'tokens', cost: 60 }] });
    assert.deepEqual([big.code, big.rateLimit.name, big.rateLimit.remaining], ['VALID', 'tokens', 40]);
    const tooBig = await verify(secret, {
      rateLimits: [
        { name: 'tokens', cost: 41 },
        { name: 'second', cost: 1 },
      ],
    });
    assert.deepEqual([tooBig.code, tooBig.rateLimit.name], ['RATE_LIMITED', 'tokens']);
    // The refusal spent nothing from `second`: all five are still there.
    for (let i = 0; i < 5; i++) assert.equal((await verify(secret, { rateLimits: [{ name: 'second' }] })).code, 'VALID');
    assert.equal((await verify(secret, { rateLimits: [{ name: 'second' }] })).code, 'RATE_LIMITED');
  });

  it('charges no credits for a rate-limited call', async () => {
    const { token, secret } = await issue({ credits: '10', rateLimits: [{ name: 'one', limit: 1, durationMs: 60_000 }] });
    assert.equal((await verify(secret)).remaining, '9');
    assert.equal((await verify(secret)).code, 'RATE_LIMITED');
    assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin })).json().token.credits, '9');
  });

  it('answers a management call past its token’s limit with 429, Retry-After and RateLimit headers, never 401', async () => {
    const user = (await h.request({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: 'throttled' } })).json().user;
    const { secret } = await issue({ type: 'personal', ownerUserId: user.id, rateLimits: [{ name: 'api', limit: 2, durationMs: 60_000 }] });
    for (let i = 0; i < 2; i++) assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', as: secret })).statusCode, 200);
    const refused = await h.request({ method: 'GET', url: '/v1/whoami', as: secret });
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.code, 'RATE_LIMITED');
    assert.equal(refused.headers['retry-after'], '30');
    assert.equal(refused.headers['ratelimit-limit'], '2');
    assert.equal(refused.headers['ratelimit-remaining'], '0');
    assert.equal(refused.headers['ratelimit-reset'], '60');
    assert.equal(refused.headers['www-authenticate'], undefined);
  });

  it('refuses limits that repeat a name or are too large, creating nothing', async () => {
    const before = (await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin })).json().items.length;
    for (const rateLimits of [
      [
        { name: 'a', limit: 1, durationMs: 1 },
        { name: 'a', limit: 2, durationMs: 2 },
      ],
      [{ name: 'huge', limit: 1_000_000_000, durationMs: 2_000_000_000 }],
      [{ name: 'zero', limit: 0, durationMs: 1000 }],
      [{ name: 'bad name!', limit: 1, durationMs: 1000 }],
    ]) {
      const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'x', rateLimits } });
      assert.equal(res.statusCode, 400, JSON.stringify(rateLimits));
    }
    assert.equal((await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin })).json().items.length, before);
  });
});
