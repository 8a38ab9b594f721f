import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachApp } from '../support/app-harness.js';

const DAY = 86_400_000;

await describeEachApp('Credits: metered verification, balances, refills and pools', (h) => {
  const issue = async (payload: Record<string, unknown>, as = h.admin) => {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'metered', ...payload } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { token: { id: string; credits: string | null; creditsActive: boolean }; secret: string };
  };
  const verify = async (token: string, extra: Record<string, unknown> = {}) => {
    const res = await h.request({ method: 'POST', url: '/v1/verify', payload: { token, ...extra } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  const balance = async (id: string) => (await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin })).json().token.credits as string | null;

  it('charges one credit by default, any decimal cost when given, and refuses what the balance cannot pay', async () => {
    const { token, secret } = await issue({ credits: '3' });
    assert.equal(token.credits, '3');
    assert.equal(token.creditsActive, true);
    assert.deepEqual([(await verify(secret)).code, (await verify(secret)).remaining], ['VALID', '1']);
    assert.equal((await verify(secret, { cost: '0.5' })).remaining, '0.5');
    assert.deepEqual(await verify(secret, { cost: '0.6' }), { valid: false, code: 'USAGE_EXCEEDED', remaining: '0.5' });
    assert.equal(await balance(token.id), '0.5', 'a refused charge takes nothing');
    const free = await verify(secret, { cost: '0' });
    assert.deepEqual([free.code, free.remaining], ['VALID', '0.5']);
    assert.equal((await verify(secret, { cost: '0.5' })).remaining, '0');
    // At 0 the token stops, even for a free check.
    assert.equal((await verify(secret, { cost: '0' })).code, 'USAGE_EXCEEDED');
  });

  it('adds 0.000000001 a billion times in one sum exactly, and charges it back to 0', async () => {
    const { token, secret } = await issue({ credits: '0.000000001' });
    const added = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/credits`, as: h.admin, payload: { op: 'add', amount: '0.999999999' } });
    assert.equal(added.json().credits, '1');
    assert.equal((await verify(secret, { cost: '0.999999999' })).remaining, '0.000000001');
    assert.equal((await verify(secret, { cost: '0.000000001' })).remaining, '0');
  });

  it('refuses a malformed cost with 400 naming it, and charges nothing', async () => {
    const { token, secret } = await issue({ credits: '5' });
    for (const cost of ['abc', '1e3', '-', '0.0000000001', '1000000000.5', 3]) {
      const res = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret, cost } });
      assert.equal(res.statusCode, 400, String(cost));
      assert.match(res.json().error.message, /cost/);
    }
    const batch = await h.request({ method: 'POST', url: '/v1/verify/batch', payload: { tokens: [secret, { token: secret, cost: '2000000000' }] } });
    assert.equal(batch.statusCode, 400);
    assert.equal(await balance(token.id), '5');
  });

  it('refuses a negative cost, which would add to the balance, on every verify path and for a pool, and adds nothing', async () => {
    const { token, secret } = await issue({ credits: '5' });
    for (const cost of ['-5', '-0.000000001', '-1000000000']) {
      const res = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret, cost } });
      assert.equal(res.statusCode, 400, cost);
      assert.equal(res.json().error.code, 'VALIDATION_ERROR');
      assert.match(res.json().error.message, /cost must not be negative/);
    }
    for (const tokens of [[{ token: secret, cost: '-5' }], [secret]]) {
      const batch = await h.request({ method: 'POST', url: '/v1/verify/batch', payload: { tokens, ...(typeof tokens[0] === 'string' ? { cost: '-5' } : {}) } });
      assert.equal(batch.statusCode, 400);
      assert.match(batch.json().error.message, /cost must not be negative/);
    }
    assert.equal(await balance(token.id), '5');
    const user = await h.user('negative pool user');
    const pooled = await issue({ creditPool: true }, user.secret);
    const poolUrl = `/v1/credit-pools/${user.id}`;
    assert.equal((await h.request({ method: 'POST', url: `${poolUrl}/credits`, as: user.secret, payload: { op: 'set', amount: '3' } })).statusCode, 200);
    const res = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: pooled.secret, cost: '-1' } });
    assert.equal(res.statusCode, 400);
    assert.equal((await h.request({ method: 'GET', url: poolUrl, as: user.secret })).json().credits, '3');
  });

  it('does not meter a token whose credits are off, nor one without a balance', async () => {
    const off = await issue({ credits: '1', creditsActive: false });
    for (let i = 0; i < 3; i++) assert.deepEqual([(await verify(off.secret)).code, (await verify(off.secret)).remaining], ['VALID', undefined]);
    assert.equal(await balance(off.token.id), '1');
    const plain = await issue({});
    assert.equal((await verify(plain.secret, { cost: '100' })).code, 'VALID');
  });

  it('adds to and sets a balance through the management API, audited, and refuses bad amounts unchanged', async () => {
    const { token, secret } = await issue({ credits: '1' });
    const url = `/v1/tokens/${token.id}/credits`;
    assert.equal((await h.request({ method: 'POST', url, as: h.admin, payload: { op: 'add', amount: '2.25' } })).json().credits, '3.25');
    assert.equal((await h.request({ method: 'POST', url, as: h.admin, payload: { op: 'set', amount: '0' } })).json().credits, '0');
    assert.equal((await verify(secret)).code, 'USAGE_EXCEEDED');
    for (const payload of [
      { op: 'mul', amount: '2' },
      { op: 'add', amount: 2 },
      { op: 'add' },
      { op: 'set', amount: '1', extra: 1 },
      { op: 'add', amount: '1000000000.1' },
    ]) {
      const res = await h.request({ method: 'POST', url, as: h.admin, payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
    }
    assert.equal(await balance(token.id), '0');
    const audit = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${token.id}`, as: h.admin })).json().items;
    assert.deepEqual(
      audit.filter((e: { action: string }) => e.action === 'token.credits').map((e: { details: { credits: string } }) => e.details.credits),
      ['0', '3.25'],
    );
  });

  it("answers 401 without a credential and 404 for another user's token, changing nothing", async () => {
    const owner = await h.user('credit owner');
    const other = await h.user('credit other');
    const { token } = await issue({ credits: '1' }, owner.secret);
    const url = `/v1/tokens/${token.id}/credits`;
    assert.equal((await h.request({ method: 'POST', url, payload: { op: 'add', amount: '5' } })).statusCode, 401);
    assert.equal((await h.request({ method: 'POST', url, as: other.secret, payload: { op: 'add', amount: '5' } })).statusCode, 404);
    assert.equal(await balance(token.id), '1');
  });

  it('refills to the amount once a day has begun, not before', async () => {
    const { secret } = await issue({ credits: '2', refill: { amount: '3', interval: 'daily' } });
    assert.equal((await verify(secret, { cost: '2' })).remaining, '0');
    assert.equal((await verify(secret)).code, 'USAGE_EXCEEDED');
    h.clock.advance(DAY);
    assert.equal((await verify(secret)).remaining, '2');
    assert.equal((await verify(secret)).remaining, '1', 'refilled once, not again within the day');
  });

  it('refuses a refill with a day of month for daily refills, or a negative amount', async () => {
    for (const refill of [
      { amount: '1', interval: 'daily', dayOfMonth: 3 },
      { amount: '-1', interval: 'monthly' },
      { amount: '1', interval: 'weekly' },
    ]) {
      const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'r', credits: '1', refill } });
      assert.equal(res.statusCode, 400, JSON.stringify(refill));
    }
  });

  it('draws every pooled token of an owner from one shared pool, and a pool-less one from nothing', async () => {
    const user = await h.user('pool user');
    const a = await issue({ creditPool: true }, user.secret);
    const b = await issue({ creditPool: true }, user.secret);
    assert.equal((await verify(a.secret)).code, 'USAGE_EXCEEDED', 'no pool yet');
    const put = await h.request({ method: 'POST', url: `/v1/credit-pools/${user.id}/credits`, as: user.secret, payload: { op: 'set', amount: '3' } });
    assert.equal(put.statusCode, 200, put.body);
    const codes = [];
    for (const secret of [a.secret, b.secret, a.secret, b.secret]) codes.push((await verify(secret)).code);
    assert.deepEqual(codes, ['VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED']);
    const pool = await h.request({ method: 'GET', url: `/v1/credit-pools/${user.id}`, as: user.secret });
    assert.equal(pool.json().credits, '0');
    const other = await h.user('pool other');
    assert.equal((await h.request({ method: 'GET', url: `/v1/credit-pools/${user.id}`, as: other.secret })).statusCode, 404);
    assert.equal(
      (await h.request({ method: 'POST', url: `/v1/credit-pools/${user.id}/credits`, as: other.secret, payload: { op: 'add', amount: '9' } })).statusCode,
      404,
    );
    assert.equal((await h.request({ method: 'GET', url: `/v1/credit-pools/${user.id}`, as: user.secret })).json().credits, '0');
  });

  it('moves the balance to the new secret on rotation, so the two cannot both spend it', async () => {
    const { token, secret } = await issue({ credits: '4' });
    const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: h.admin, payload: { gracePeriodMs: 60_000 } });
    const fresh = rotated.json();
    assert.equal(fresh.token.credits, '4');
    assert.deepEqual(await verify(secret), { valid: false, code: 'USAGE_EXCEEDED', remaining: '0' });
    assert.equal((await verify(fresh.secret)).remaining, '3');
  });
});
