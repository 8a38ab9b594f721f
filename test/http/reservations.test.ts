import assert from 'node:assert/strict';
import { it } from 'node:test';
import { digestKeyOf } from '../../src/core/digest.js';
import { createServices } from '../../src/service/services.js';
import type { CreditStore } from '../../src/store/credit-store.js';
import { describeEachApp } from '../support/app-harness.js';
import { overrideMethod } from '../support/store-override.js';

/** `credits` whose settlements throw for the reservations of the tokens in `failing`. */
const failingSettlements = (credits: CreditStore, failing: ReadonlySet<string>): CreditStore =>
  overrideMethod(credits, 'settle', (settle) => async (id, settlement, now) => {
    const found = await credits.findReservation(id);
    if (found && failing.has(found.tokenId)) throw new Error('this reservation cannot be settled');
    return settle(id, settlement, now);
  });

/** Values as text, bigints too: what a check for a leaked id searches. */
const textOf = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

/** `credits` that writes down every argument it is called with. */
function recordingCalls(credits: CreditStore, calls: string[]): CreditStore {
  return new Proxy(credits, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(textOf(args));
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

await describeEachApp('Credit reservations', (h, database) => {
  const metered = async (credits: string) => {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'llm', credits } });
    return res.json() as { token: { id: string }; secret: string };
  };
  const reserve = (token: string, amount: string, ttlMs = 60_000) =>
    h.request({ method: 'POST', url: '/v1/credits/reserve', payload: { token, amount, ttlMs } });
  const settle = (id: string, action: 'commit' | 'release', payload?: object) =>
    h.request({ method: 'POST', url: `/v1/credits/${id}/${action}`, ...(payload ? { payload } : {}) });
  const balance = async (id: string) => (await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin })).json().token.credits;

  it('holds the amount, keeps what the commit says and refunds the rest, once', async () => {
    const { token, secret } = await metered('10');
    const held = await reserve(secret, '6.5');
    assert.equal(held.statusCode, 200, held.body);
    const { reservationId, remaining, valid, expiresAt } = held.json();
    assert.deepEqual([valid, remaining, expiresAt], [true, '3.5', h.clock.now() + 60_000]);
    assert.equal(await balance(token.id), '3.5');

    const committed = await settle(reservationId, 'commit', { amount: '2.25' });
    assert.equal(committed.statusCode, 200, committed.body);
    assert.deepEqual([committed.json().state, committed.json().committed], ['committed', '2.25']);
    assert.equal(await balance(token.id), '7.75');
    assert.equal((await settle(reservationId, 'commit', { amount: '1' })).statusCode, 409);
    assert.equal((await settle(reservationId, 'release')).statusCode, 409);
    assert.equal(await balance(token.id), '7.75');
  });

  it('refunds everything on release', async () => {
    const { token, secret } = await metered('5');
    const { reservationId } = (await reserve(secret, '5')).json();
    assert.equal(await balance(token.id), '0');
    assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } })).json().code, 'USAGE_EXCEEDED');
    assert.equal((await settle(reservationId, 'release')).json().state, 'released');
    assert.equal(await balance(token.id), '5');
  });

  it('fills the balance to 10⁹ when a release would pass it, and the token stays readable', async () => {
    const { token, secret } = await metered('1');
    const setTo = (amount: string) => h.request({ method: 'POST', url: `/v1/tokens/${token.id}/credits`, as: h.admin, payload: { op: 'set', amount } });
    // Ten rounds would take an unbounded balance past 2⁶³.
    for (let i = 0; i < 10; i++) {
      assert.equal((await setTo('1000000000')).statusCode, 200);
      const held = await reserve(secret, '1000000000');
      assert.equal(held.json().valid, true, held.body);
      assert.equal((await setTo('1000000000')).statusCode, 200);
      const released = await settle(held.json().reservationId, 'release');
      assert.equal(released.statusCode, 200, released.body);
      const read = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().token.credits, '1000000000');
    }
  });

  it('stores only the digest of a reservation id, and answers by the id itself', async () => {
    const { token, secret } = await metered('10');
    const kept = (await reserve(secret, '4')).json().reservationId as string;
    const released = (await reserve(secret, '3')).json().reservationId as string;
    if (database.query) {
      const rows = await database.query<{ id: string }>('select * from credit_reservations');
      for (const id of [kept, released]) assert.equal(textOf(rows).includes(id.slice('res_'.length)), false, 'no row holds the id');
      assert.ok(
        rows.some((row) => row.id === digestKeyOf(kept)),
        'found under its digest',
      );
    }
    const read = await h.request({ method: 'GET', url: `/v1/credits/${kept}` });
    assert.deepEqual([read.statusCode, read.json().id, read.json().state], [200, kept, 'open']);
    const committed = await settle(kept, 'commit', { amount: '1' });
    assert.deepEqual([committed.statusCode, committed.json().id, committed.json().state], [200, kept, 'committed']);
    const release = await settle(released, 'release');
    assert.deepEqual([release.statusCode, release.json().id, release.json().state], [200, released, 'released']);
    assert.equal(await balance(token.id), '9');
    // The digest is no id: presented, it finds nothing.
    const other = `res_${digestKeyOf(kept).slice(0, 27)}`;
    assert.equal((await h.request({ method: 'GET', url: `/v1/credits/${other}` })).statusCode, 404);
  });

  it('never hands a reservation id to the credit store', async () => {
    const { secret } = await metered('10');
    const calls: string[] = [];
    const { services } = createServices({ ...h.stores, credits: recordingCalls(h.stores.credits, calls) }, { runtime: h.clock });
    const ids: string[] = [];
    for (const ttlMs of [60_000, 60_000, 1000]) {
      const held = await services.credits.reserve(secret, 10n ** 9n, ttlMs, { caller: '127.0.0.1' });
      assert.ok(held.valid);
      ids.push(held.reservation.id);
    }
    const [a, b, c] = ids as [string, string, string];
    assert.equal((await services.credits.reservation(a)).id, a);
    assert.equal((await services.credits.commit(a, 1n)).id, a);
    assert.equal((await services.credits.release(b)).id, b);
    h.clock.advance(1000);
    await assert.rejects(services.credits.release(c), (e: Error & { code?: string }) => e.code === 'CONFLICT');
    assert.ok(calls.length >= 8);
    for (const id of ids)
      assert.equal(
        calls.some((call) => call.includes(id.slice('res_'.length))),
        false,
      );
  });

  it('refunds to the replacement of a token rotated while its reservations were open, by release or by expiry', async () => {
    const { token, secret } = await metered('10');
    const released = (await reserve(secret, '4')).json().reservationId;
    const expired = (await reserve(secret, '1', 1000)).json().reservationId;
    const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: h.admin, payload: { gracePeriodMs: 3_600_000 } });
    assert.equal(rotated.statusCode, 201, rotated.body);
    const successor = rotated.json().token.id as string;
    assert.deepEqual([await balance(token.id), await balance(successor)], ['0', '5']);

    assert.equal((await settle(released, 'release')).statusCode, 200);
    assert.deepEqual([await balance(token.id), await balance(successor)], ['0', '9']);
    h.clock.advance(1000);
    assert.equal(await h.services.credits.expireDue(), 1);
    assert.deepEqual([await balance(token.id), await balance(successor)], ['0', '10']);
    for (const id of [released, expired]) assert.equal((await h.request({ method: 'GET', url: `/v1/credits/${id}` })).json().tokenId, successor);
  });

  it('spends the token’s rate limits as a verification does, and holds nothing once they refuse (L1)', async () => {
    const made = await h.request({
      method: 'POST',
      url: '/v1/tokens',
      as: h.admin,
      payload: { name: 'limited', credits: '10', rateLimits: [{ name: 'calls', limit: 2, durationMs: 60_000 }] },
    });
    const { secret, token } = made.json();
    assert.equal((await reserve(secret, '1')).json().valid, true);
    assert.equal((await reserve(secret, '1')).json().valid, true);
    const refused = await reserve(secret, '1');
    assert.deepEqual(refused.json(), { valid: false, code: 'RATE_LIMITED' });
    const after = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin });
    assert.equal(after.json().token.credits, '8', 'the refused reservation held nothing');
    const verified = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret, cost: '0' } });
    assert.equal(verified.json().code, 'RATE_LIMITED', 'reservations and verifications spend the same limit');
  });

  it('refuses a reservation the balance cannot cover, holding nothing', async () => {
    const { token, secret } = await metered('2');
    assert.deepEqual((await reserve(secret, '2.000000001')).json(), { valid: false, code: 'USAGE_EXCEEDED', remaining: '2' });
    assert.equal(await balance(token.id), '2');
  });

  it('refuses a commit of more than was reserved, changing nothing', async () => {
    const { token, secret } = await metered('10');
    const { reservationId } = (await reserve(secret, '3')).json();
    const res = await settle(reservationId, 'commit', { amount: '3.000000001' });
    assert.equal(res.statusCode, 400);
    assert.equal((await h.request({ method: 'GET', url: `/v1/credits/${reservationId}` })).json().state, 'open');
    assert.equal(await balance(token.id), '7');
  });

  it('refuses a negative commit with 400 saying so, changing nothing', async () => {
    const { token, secret } = await metered('10');
    const { reservationId } = (await reserve(secret, '3')).json();
    const res = await settle(reservationId, 'commit', { amount: '-1' });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /amount must not be negative/);
    assert.equal((await h.request({ method: 'GET', url: `/v1/credits/${reservationId}` })).json().state, 'open');
    assert.equal(await balance(token.id), '7');
    assert.equal((await settle(reservationId, 'commit', { amount: '1' })).json().committed, '1');
    assert.equal(await balance(token.id), '9');
  });

  it('refunds itself when its time runs out, and then can no longer be committed', async () => {
    const { token, secret } = await metered('10');
    const { reservationId } = (await reserve(secret, '4', 1000)).json();
    h.clock.advance(999);
    assert.equal(await h.services.credits.expireDue(), 0);
    h.clock.advance(1);
    assert.equal(await h.services.credits.expireDue(), 1);
    assert.equal(await balance(token.id), '10');
    assert.equal((await settle(reservationId, 'commit', { amount: '1' })).statusCode, 409);
    assert.equal(await balance(token.id), '10');
  });

  it('refunds the other expired reservations when some fail to settle, more than a page of them, and reports each failure', { timeout: 60_000 }, async () => {
    const bad = await metered('1000');
    const good = await metered('1000');
    const { services } = createServices({ ...h.stores, credits: failingSettlements(h.stores.credits, new Set([bad.token.id])) }, { runtime: h.clock });
    // The failing ones expire first, so they fill the sweep's first page and come back on every later one.
    for (let i = 0; i < 101; i++) assert.equal((await services.credits.reserve(bad.secret, 10n ** 9n, 500, { caller: '127.0.0.1' })).valid, true);
    for (let i = 0; i < 30; i++) assert.equal((await services.credits.reserve(good.secret, 10n ** 9n, 1000, { caller: '127.0.0.1' })).valid, true);
    assert.deepEqual([await balance(bad.token.id), await balance(good.token.id)], ['899', '970']);
    h.clock.advance(1000);

    const errors: unknown[] = [];
    assert.equal(await services.credits.expireDue((error) => errors.push(error)), 30);
    assert.equal(errors.length, 101);
    assert.deepEqual([await balance(bad.token.id), await balance(good.token.id)], ['899', '1000']);
    // Left open, they are refunded by the next sweep that can.
    assert.equal(await h.services.credits.expireDue(), 101);
    assert.equal(await balance(bad.token.id), '1000');
  });

  it('refunds an overdue reservation at once when someone tries to settle it before the sweep', async () => {
    const { token, secret } = await metered('10');
    const { reservationId } = (await reserve(secret, '4', 1000)).json();
    h.clock.advance(5000);
    assert.equal((await settle(reservationId, 'commit', { amount: '4' })).statusCode, 409);
    assert.equal(await balance(token.id), '10');
    assert.equal((await h.request({ method: 'GET', url: `/v1/credits/${reservationId}` })).json().state, 'expired');
  });

  it('answers like verify for an unknown, revoked or unmetered token, and 400 for bad input', async () => {
    assert.deepEqual((await reserve('tsk_madeup', '1')).json(), { valid: false, code: 'NOT_FOUND' });
    const { token, secret } = await metered('3');
    await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });
    assert.equal((await reserve(secret, '1')).json().code, 'REVOKED');
    const plain = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'plain' } })).json();
    assert.equal((await reserve(plain.secret, '1')).statusCode, 409);
    const live = await metered('3');
    for (const payload of [
      { token: live.secret, amount: '0', ttlMs: 1000 },
      { token: live.secret, amount: '-1', ttlMs: 1000 },
      { token: live.secret, amount: '1', ttlMs: 0 },
      { token: live.secret, amount: '1', ttlMs: 86_400_001 },
      { token: live.secret, amount: 'x', ttlMs: 1000 },
      { token: live.secret, amount: '1' },
    ]) {
      const res = await h.request({ method: 'POST', url: '/v1/credits/reserve', payload });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
    }
    assert.equal(await balance(live.token.id), '3');
    assert.equal((await h.request({ method: 'GET', url: '/v1/credits/res_' + 'A'.repeat(27) })).statusCode, 404);
    assert.equal((await h.request({ method: 'POST', url: '/v1/credits/nope/release' })).statusCode, 400);
  });
});
