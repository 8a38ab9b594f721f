import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { digestKeyOf } from '../../src/core/digest.js';
import { IDEMPOTENCY_TTL_MS } from '../../src/service/idempotency-service.js';
import { describeEachApp, startHarness, type Harness } from '../support/app-harness.js';
import { describeEachStore } from '../support/store-factories.js';
import { overrideMethod } from '../support/store-override.js';

await describeEachApp('Idempotency-Key', (h, database) => {
  const post = (url: string, payload: object, key?: string, as?: string) =>
    h.request({ method: 'POST', url, payload, ...(as ? { as } : {}), headers: key === undefined ? {} : { 'idempotency-key': key } });
  const tokenCount = async () => (await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin })).json().items.length;
  const balance = async (id: string) => (await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin })).json().token.credits;

  it('creates a token once and answers the retry with the same token and secret, which is never stored', async () => {
    const before = await tokenCount();
    const first = await post('/v1/tokens', { name: 'once' }, 'create-1', h.admin);
    const again = await post('/v1/tokens', { name: 'once' }, 'create-1', h.admin);
    assert.equal(first.statusCode, 201);
    assert.equal(again.statusCode, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(first.headers['idempotent-replayed'], undefined);
    assert.deepEqual(again.json(), first.json());
    assert.equal(await tokenCount(), before + 1);
    assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: again.json().secret } })).json().code, 'VALID');
    // What the store keeps for replays holds no secret.
    const me = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().token.id;
    const kept = await h.stores.idempotency.claim(
      { scope: `principal:${me} POST /v1/tokens`, key: 'create-1', requestHash: '', status: null, body: null, createdAt: 0, expiresAt: 0 },
      h.clock.now(),
    );
    assert.notEqual(kept, true);
    assert.equal((kept as { body: string }).body.includes(first.json().secret), false);
    assert.equal((kept as { body: string }).body.includes(first.json().token.id), true);
  });

  it('never replays a kept VALID once the token is revoked: the retry is answered afresh', async () => {
    const { token, secret } = (await post('/v1/tokens', { name: 'replayed', credits: '10' }, undefined, h.admin)).json();
    const first = await post('/v1/verify', { token: secret }, 'verify-revoked');
    assert.equal(first.json().code, 'VALID');
    assert.equal((await post('/v1/verify', { token: secret }, 'verify-revoked')).headers['idempotent-replayed'], 'true');
    await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });
    const retry = await post('/v1/verify', { token: secret }, 'verify-revoked');
    assert.equal(retry.json().code, 'REVOKED');
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    assert.equal(await balance(token.id), '9', 'charged once, by the first');
  });

  it('binds a key to the method, path and query too: another token, pool or team is refused, never answered with the first', async () => {
    const a = (await post('/v1/tokens', { name: 'bound a', credits: '10' }, undefined, h.admin)).json().token.id;
    const b = (await post('/v1/tokens', { name: 'bound b', credits: '10' }, undefined, h.admin)).json().token.id;
    const add = { op: 'add', amount: '5' };
    assert.equal((await post(`/v1/tokens/${a}/credits`, add, 'bound-1', h.admin)).statusCode, 200);
    const otherToken = await post(`/v1/tokens/${b}/credits`, add, 'bound-1', h.admin);
    assert.equal(otherToken.statusCode, 422);
    assert.equal(otherToken.json().error.code, 'IDEMPOTENCY_MISMATCH');
    assert.equal(await balance(a), '15');
    assert.equal(await balance(b), '10', 'the second operation did not pretend to happen');

    const me = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id;
    assert.equal((await post(`/v1/credit-pools/${me}/credits`, add, 'bound-2', h.admin)).statusCode, 200);
    const team = (await post('/v1/teams', { slug: 'bound-team' }, undefined, h.admin)).json().team.id;
    assert.equal((await post(`/v1/credit-pools/${team}/credits`, add, 'bound-2', h.admin)).statusCode, 422);

    assert.equal((await post('/v1/tokens', { name: 'q' }, 'bound-3', h.admin)).statusCode, 201);
    assert.equal((await post(`/v1/tokens?teamId=${team}`, { name: 'q' }, 'bound-3', h.admin)).statusCode, 422);
  });

  it('refuses the same key with another body (422) and keeps keys of different callers apart', async () => {
    const before = await tokenCount();
    assert.equal((await post('/v1/tokens', { name: 'a' }, 'shared-key', h.admin)).statusCode, 201);
    const other = await post('/v1/tokens', { name: 'b' }, 'shared-key', h.admin);
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().error.code, 'IDEMPOTENCY_MISMATCH');
    assert.equal(await tokenCount(), before + 1);
    const user = await h.user('idem user');
    const theirs = await post('/v1/tokens', { name: 'a' }, 'shared-key', user.secret);
    assert.equal(theirs.statusCode, 201);
    assert.equal(theirs.headers['idempotent-replayed'], undefined);
  });

  it('charges a retried verification once', async () => {
    const { token, secret } = (await post('/v1/tokens', { name: 'm', credits: '10' }, undefined, h.admin)).json();
    const first = await post('/v1/verify', { token: secret, cost: '3' }, 'charge-1');
    const again = await post('/v1/verify', { token: secret, cost: '3' }, 'charge-1');
    assert.deepEqual([first.json().remaining, again.json().remaining], ['7', '7']);
    assert.equal(await balance(token.id), '7');
    assert.equal((await post('/v1/verify', { token: secret, cost: '3' }, 'charge-2')).json().remaining, '4');
  });

  it('reserves once, commits once, and adds credits once when retried', async () => {
    const { token, secret } = (await post('/v1/tokens', { name: 'r', credits: '10' }, undefined, h.admin)).json();
    const held = await post('/v1/credits/reserve', { token: secret, amount: '4', ttlMs: 60_000 }, 'reserve-1');
    const heldAgain = await post('/v1/credits/reserve', { token: secret, amount: '4', ttlMs: 60_000 }, 'reserve-1');
    assert.equal(heldAgain.json().reservationId, held.json().reservationId);
    assert.equal(await balance(token.id), '6');
    const id = held.json().reservationId;
    const commit = await post(`/v1/credits/${id}/commit`, { amount: '1' }, 'commit-1');
    const commitAgain = await post(`/v1/credits/${id}/commit`, { amount: '1' }, 'commit-1');
    assert.deepEqual([commit.statusCode, commitAgain.statusCode], [200, 200]);
    assert.equal(await balance(token.id), '9');
    for (let i = 0; i < 2; i++) {
      const res = await post(`/v1/tokens/${token.id}/credits`, { op: 'add', amount: '5' }, 'add-1', h.admin);
      assert.equal(res.json().credits, '14');
    }
    assert.equal(await balance(token.id), '14');
  });

  it('keeps no reservation id: a replayed reserve derives the same one again, a replayed commit takes it from the path', async () => {
    const { token, secret } = (await post('/v1/tokens', { name: 'held', credits: '10' }, undefined, h.admin)).json();
    const reserveBody = { token: secret, amount: '4', ttlMs: 60_000 };
    const held = await post('/v1/credits/reserve', reserveBody, 'hold-1');
    const heldAgain = await post('/v1/credits/reserve', reserveBody, 'hold-1');
    assert.equal(heldAgain.headers['idempotent-replayed'], 'true');
    assert.deepEqual(heldAgain.json(), held.json());
    const id = held.json().reservationId as string;
    assert.match(id, /^res_[A-Za-z0-9_-]{27}$/);
    assert.notEqual((await post('/v1/credits/reserve', reserveBody, 'hold-2')).json().reservationId, id, 'another key, another id');
    // A refusal has no id, and its replay gets none.
    const refused = await post('/v1/credits/reserve', { ...reserveBody, amount: '100' }, 'hold-3');
    assert.deepEqual((await post('/v1/credits/reserve', { ...reserveBody, amount: '100' }, 'hold-3')).json(), refused.json());
    assert.equal(refused.json().reservationId, undefined);

    const commit = await post(`/v1/credits/${id}/commit`, { amount: '1' }, 'settle-1');
    const commitAgain = await post(`/v1/credits/${id}/commit`, { amount: '1' }, 'settle-1');
    assert.equal(commitAgain.headers['idempotent-replayed'], 'true');
    assert.deepEqual(commitAgain.json(), commit.json());
    assert.deepEqual([commit.json().id, commit.json().state], [id, 'committed']);
    assert.equal(await balance(token.id), '5', 'the replayed reservation is the one held and committed');

    const secretOf = (reservationId: string) => reservationId.slice('res_'.length);
    if (database.query) {
      const rows = await database.query('select * from idempotency_keys');
      assert.ok(rows.length >= 4);
      assert.equal(JSON.stringify(rows).includes(secretOf(id)), false, 'no record holds the id');
    }
    // On every store: the records a replay reads hold no id, and the commit's is found by the id's digest.
    const keptUnder = async (scope: string, key: string) => {
      const kept = await h.stores.idempotency.claim({ scope, key, requestHash: '', status: null, body: null, createdAt: 0, expiresAt: 0 }, h.clock.now());
      assert.notEqual(kept, true, scope);
      return kept as { scope: string; body: string };
    };
    const tokenScope = `token:${createHash('sha256').update(secret).digest('hex')}`;
    for (const kept of [
      await keptUnder(`${tokenScope} POST /v1/credits/reserve`, 'hold-1'),
      await keptUnder(`reservation:${digestKeyOf(id)} POST /v1/credits/:reservationId/commit`, 'settle-1'),
    ]) {
      assert.equal(kept.body.includes(secretOf(id)), false);
      assert.equal(kept.scope.includes(secretOf(id)), false);
    }
  });

  it('replays a reserve answer kept before reservation ids were redacted with the id it holds', async () => {
    const { secret } = (await post('/v1/tokens', { name: 'old', credits: '10' }, undefined, h.admin)).json();
    const payload = { token: secret, amount: '1', ttlMs: 60_000 };
    const first = (await post('/v1/credits/reserve', payload, 'old-1')).json();
    // The answer as it was kept before: with the id in it.
    const scope = `token:${createHash('sha256').update(secret).digest('hex')} POST /v1/credits/reserve`;
    const kept = { ...first, reservationId: `res_${'A'.repeat(27)}` };
    await h.stores.idempotency.complete(scope, 'old-1', 200, JSON.stringify(kept));
    const replayed = await post('/v1/credits/reserve', payload, 'old-1');
    assert.equal(replayed.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replayed.json(), kept);
  });

  it('keeps no answer of a refused request, so a corrected retry acts', async () => {
    // 999,999,999 + 2 passes the 10⁹ ceiling: refused by the store, after the key was claimed.
    const { token } = (await post('/v1/tokens', { name: 'c', credits: '999999999' }, undefined, h.admin)).json();
    const refused = await post(`/v1/tokens/${token.id}/credits`, { op: 'add', amount: '2' }, 'retry-me', h.admin);
    assert.equal(refused.statusCode, 409);
    await post(`/v1/tokens/${token.id}/credits`, { op: 'set', amount: '1' }, undefined, h.admin);
    const retried = await post(`/v1/tokens/${token.id}/credits`, { op: 'add', amount: '2' }, 'retry-me', h.admin);
    assert.equal(retried.headers['idempotent-replayed'], undefined, 'acted again, not replayed');
    assert.equal(retried.json().credits, '3');
  });

  it('forgets a key after 24 hours', async () => {
    const before = await tokenCount();
    await post('/v1/tokens', { name: 'day' }, 'day-key', h.admin);
    h.clock.advance(IDEMPOTENCY_TTL_MS);
    const later = await post('/v1/tokens', { name: 'day' }, 'day-key', h.admin);
    assert.equal(later.headers['idempotent-replayed'], undefined);
    assert.equal(await tokenCount(), before + 2);
  });

  it('refuses a key that is empty, too long or not visible ASCII, changing nothing', async () => {
    const before = await tokenCount();
    for (const key of ['', 'k'.repeat(256), 'has space', 'ключ']) {
      const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'x' }, headers: { 'idempotency-key': key } });
      assert.equal(res.statusCode, 400, JSON.stringify(key));
    }
    assert.equal(await tokenCount(), before);
  });
});

/**
 * A request that fails after its change committed (the balance is written, then the audit record
 * fails) answers 500; a retry with its key must not make the change again.
 */
await describeEachStore('Idempotency-Key after a 500', (stores) => {
  const h = {} as Harness;
  /** Audit actions whose next append throws, once. */
  const failAudit = new Set<string>();
  /** Token ids whose next balance change throws before writing, once. */
  const failAdjust = new Set<string>();
  before(async () => {
    const audit = overrideMethod(stores.audit, 'append', (append) => async (event) => {
      if (failAudit.delete(event.action)) throw new Error('the audit store is unreachable');
      return append(event);
    });
    const credits = overrideMethod(stores.credits, 'adjustToken', (adjustToken) => async (id, op, amount, now) => {
      if (failAdjust.delete(id)) throw new Error('the credit store is unreachable');
      return adjustToken(id, op, amount, now);
    });
    Object.assign(h, await startHarness({ ...stores, audit, credits }));
  });
  after(() => h.close?.());

  const post = (url: string, payload: object, key?: string) =>
    h.request({ method: 'POST', url, payload, as: h.admin, headers: key === undefined ? {} : { 'idempotency-key': key } });
  const newToken = async (name: string) => (await post('/v1/tokens', { name, credits: '0' })).json().token.id as string;
  const balance = async (id: string) => (await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin })).json().token.credits;
  const assertOutcomeUnknown = (res: { statusCode: number; headers: Record<string, unknown>; json(): { error: { code: string } } }) => {
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().error.code, 'IDEMPOTENCY_OUTCOME_UNKNOWN');
    assert.equal(res.headers['idempotent-replayed'], 'true');
  };

  it('adds credits once when the audit record fails after the balance committed, however often the key is retried', async () => {
    const id = await newToken('audit fails');
    failAudit.add('token.credits');
    const first = await post(`/v1/tokens/${id}/credits`, { op: 'add', amount: '100' }, 'add-audit');
    assert.equal(first.statusCode, 500);
    assert.equal(first.json().error.code, 'INTERNAL_ERROR');
    for (let i = 0; i < 2; i++) assertOutcomeUnknown(await post(`/v1/tokens/${id}/credits`, { op: 'add', amount: '100' }, 'add-audit'));
    assert.equal(await balance(id), '100', 'added by the first request alone');
    // The way on: read the state, and act again under a new key.
    assert.equal((await post(`/v1/tokens/${id}/credits`, { op: 'add', amount: '100' }, 'add-audit-2')).json().credits, '200');
  });

  it('adds to a pool once when its audit record fails after the pool committed', async () => {
    const me = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id as string;
    const pool = async () => (await h.request({ method: 'GET', url: `/v1/credit-pools/${me}`, as: h.admin })).json().credits;
    await post(`/v1/credit-pools/${me}/credits`, { op: 'set', amount: '0' });
    failAudit.add('pool.credits');
    assert.equal((await post(`/v1/credit-pools/${me}/credits`, { op: 'add', amount: '100' }, 'pool-audit')).statusCode, 500);
    assertOutcomeUnknown(await post(`/v1/credit-pools/${me}/credits`, { op: 'add', amount: '100' }, 'pool-audit'));
    assert.equal(await pool(), '100');
  });

  it('creates a token once when its audit record fails after the token was stored', async () => {
    const count = async () => (await h.request({ method: 'GET', url: '/v1/tokens?limit=200&q=created%20once', as: h.admin })).json().items.length;
    failAudit.add('token.create');
    assert.equal((await post('/v1/tokens', { name: 'created once' }, 'create-audit')).statusCode, 500);
    assertOutcomeUnknown(await post('/v1/tokens', { name: 'created once' }, 'create-audit'));
    assert.equal(await count(), 1);
  });

  it('keeps the key after a 500 that changed nothing too: a 500 does not tell the two apart', async () => {
    const id = await newToken('store fails');
    failAdjust.add(id);
    assert.equal((await post(`/v1/tokens/${id}/credits`, { op: 'add', amount: '100' }, 'add-store')).statusCode, 500);
    assertOutcomeUnknown(await post(`/v1/tokens/${id}/credits`, { op: 'add', amount: '100' }, 'add-store'));
    assert.equal(await balance(id), '0');
  });
});
