import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseSecret } from '../../src/core/secret.js';
import { edenCreateTokenRequest, edenCreateTokenResponse, edenRetrieveTokenResponse } from '../contracts/edenai.js';
import { describeEachApp } from '../support/app-harness.js';
import { assertMatches, assertViolates } from '../support/contract.js';
import { storeSnapshot } from '../support/store-snapshot.js';

const URL_BASE = '/v2/user/custom_token/';

await describeEachApp('Eden AI dialect', (h) => {
  const create = (payload: unknown, as: string | null = h.admin) =>
    h.request({ method: 'POST', url: URL_BASE, ...(as === null ? {} : { as }), payload: payload as object });
  const verify = async (token: string, extra: object = {}) => (await h.request({ method: 'POST', url: '/v1/verify', payload: { token, ...extra } })).json();
  const tokenCount = async () => (await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin })).json().items.length;

  it('creates a token in the exact shape of the reference, with the secret added in `token`', async () => {
    const expire = new Date(h.clock.now() + 86_400_000).toISOString();
    const body = { name: 'team-backend', token_type: 'api_token', balance: '50.25', expire_time: expire, active_balance: true };
    assertMatches(edenCreateTokenRequest, body, 'the request');
    const res = await create(body);
    assert.equal(res.statusCode, 201, res.body);
    const json = res.json();
    assertMatches(edenCreateTokenResponse, json, 'the response');
    const { token, ...fields } = json;
    assert.deepEqual(fields, { name: 'team-backend', token_type: 'api_token', balance: '50.250000000', expire_time: expire, active_balance: true });
    assert.equal(parseSecret(token)?.prefix, 'tsk');

    // An ordinary tessera token: it verifies, is listed natively, and the audit log names its origin.
    const verified = await verify(token, { cost: '0.25' });
    assert.deepEqual([verified.code, verified.remaining, verified.token.origin], ['VALID', '50', 'edenai']);
    assert.equal(verified.token.expiresAt, Date.parse(expire));
    const listed = (await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin })).json().items;
    assert.ok(listed.some((t: { id: string }) => t.id === verified.token.id));
    const audit = await h.request({ method: 'GET', url: `/v1/audit?targetId=${verified.token.id}`, as: h.admin });
    assert.equal(audit.json().items[0].details.origin, 'edenai');
  });

  it('takes only a name, leaving out the balance it was not given', async () => {
    const res = await create({ name: 'only-name' });
    assert.equal(res.statusCode, 201);
    assertMatches(edenCreateTokenResponse, res.json(), 'the response');
    const { token: _t, ...fields } = res.json();
    assert.deepEqual(fields, { name: 'only-name', token_type: 'api_token', expire_time: null, active_balance: false });
    assert.equal((await verify(res.json().token)).code, 'VALID');
  });

  it('stops the token when an active balance reaches 0, exactly, and not before', async () => {
    const { token } = (await create({ name: 'metered', balance: '0.000000003', active_balance: true })).json();
    for (const left of ['0.000000002', '0.000000001', '0']) {
      assert.equal((await verify(token, { cost: '0.000000001' })).remaining, left);
    }
    assert.deepEqual(await verify(token, { cost: '0' }), { valid: false, code: 'USAGE_EXCEEDED', remaining: '0' });
  });

  it('ignores the balance while active_balance is off, and stops an expired token', async () => {
    const { token } = (await create({ name: 'inactive', balance: '1', active_balance: false })).json();
    for (let i = 0; i < 3; i++) assert.equal((await verify(token)).code, 'VALID');
    const expiring = (await create({ name: 'expiring', expire_time: new Date(h.clock.now() + 1000).toISOString() })).json();
    assert.equal((await verify(expiring.token)).code, 'VALID');
    h.clock.advance(1000);
    assert.equal((await verify(expiring.token)).code, 'EXPIRED');
  });

  it('refuses bad input per field with 400 in its error shape, creating nothing', async () => {
    const before = await tokenCount();
    const bad: Array<[string, object]> = [
      ['no name', { balance: '1' }],
      ['empty name', { name: '' }],
      ['long name', { name: 'n'.repeat(201) }],
      ['name not text', { name: 5 }],
      ['unknown type', { name: 'x', token_type: 'root_token' }],
      ['balance as a number', { name: 'x', balance: 5 }],
      ['six integer digits', { name: 'x', balance: '123456' }],
      ['ten fraction digits', { name: 'x', balance: '1.0000000001' }],
      ['balance not decimal', { name: 'x', balance: '1e3' }],
      ['expire_time not a date', { name: 'x', expire_time: 'tomorrow' }],
      ['active_balance not boolean', { name: 'x', active_balance: 'yes' }],
    ];
    for (const [what, body] of bad) {
      assertViolates(edenCreateTokenRequest, body, what);
      const res = await create(body);
      assert.equal(res.statusCode, 400, what);
      assert.deepEqual(Object.keys(res.json().error).sort(), ['message', 'type'], what);
    }
    const past = await create({ name: 'x', expire_time: new Date(h.clock.now() - 1000).toISOString() });
    assert.equal(past.statusCode, 400);
    assert.equal(await tokenCount(), before);
  });

  it('refuses an expire_time that names no time a token can keep, creating and changing nothing', async () => {
    const expire = new Date(h.clock.now() + 86_400_000).toISOString();
    assert.equal((await create({ name: 'dated', expire_time: expire })).statusCode, 201);
    const before = await storeSnapshot(h);
    // Both are date-times to the reference's schema: a leap second (no Date holds it) and, by its
    // offset, an instant after the end of year 9999.
    for (const expire_time of ['2030-06-30T23:59:60Z', '9999-12-31T23:59:59-01:00']) {
      assertMatches(edenCreateTokenRequest, { name: 'undated', expire_time }, expire_time);
      const created = await create({ name: 'undated', expire_time });
      assert.equal(created.statusCode, 400, `create with ${expire_time}: ${created.body}`);
      assert.equal(created.json().error.type, 'VALIDATION_ERROR');
      const patched = await h.request({ method: 'PATCH', url: `${URL_BASE}dated/`, as: h.admin, payload: { expire_time } });
      assert.equal(patched.statusCode, 400, `patch with ${expire_time}: ${patched.body}`);
      assert.equal(patched.json().error.type, 'VALIDATION_ERROR');
    }
    assert.equal(await storeSnapshot(h), before);
    assert.equal((await h.request({ method: 'GET', url: `${URL_BASE}dated/`, as: h.admin })).json().expire_time, expire);
  });

  it('refuses a second token of the same name for the same caller', async () => {
    assert.equal((await create({ name: 'twice' })).statusCode, 201);
    const before = await tokenCount();
    const again = await create({ name: 'twice' });
    assert.equal(again.statusCode, 400);
    assert.match(again.json().error.message, /name/);
    assert.equal(await tokenCount(), before);
  });

  it('makes one token of a name that 20 creates ask for at once; the others get 400 and leave nothing', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => create({ name: 'raced', balance: '1' })));
    const statuses = answers.map((a) => a.statusCode).sort();
    assert.deepEqual(statuses, [201, ...Array<number>(19).fill(400)], answers.map((a) => a.body).join('\n'));
    for (const refused of answers.filter((a) => a.statusCode === 400)) assert.equal(refused.json().error.type, 'VALIDATION_ERROR');
    const tokens = (await h.stores.tokens.list({ limit: 10_000, now: h.clock.now() })).items.filter((t) => t.name === 'raced');
    assert.equal(tokens.length, 1);
    const created = (await h.stores.audit.list({ limit: 10_000 })).items.filter((e) => e.action === 'token.create' && e.details.name === 'raced');
    assert.deepEqual(
      created.map((e) => e.targetId),
      [tokens[0]!.id],
    );
  });

  it('keeps a name through a rotation, and frees it when the token is revoked', async () => {
    const made = (await create({ name: 'rotating' })).json();
    const old = (await verify(made.token)).token.id;
    const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${old}/rotate`, as: h.admin, payload: { gracePeriodMs: 60_000 } });
    assert.equal(rotated.statusCode, 201, rotated.body);
    assert.equal(rotated.json().token.name, 'rotating');
    const read = await h.request({ method: 'PATCH', url: `${URL_BASE}rotating/`, as: h.admin, payload: { active_balance: false } });
    assert.equal(read.statusCode, 200, 'the name answers for the replacement');
    await h.request({ method: 'POST', url: `/v1/tokens/${rotated.json().token.id}/revoke`, as: h.admin });
    assert.equal((await create({ name: 'rotating' })).statusCode, 201);
  });

  it('answers 401 without or with a bad credential, and 403 for a token that cannot manage', async () => {
    for (const as of [null, 'tsr_madeup']) {
      const res = await create({ name: 'nope' }, as);
      assert.equal(res.statusCode, 401);
      assert.ok(res.json().error.message);
    }
    const apiKey = (await create({ name: 'an api key' })).json().token;
    assert.equal((await create({ name: 'nope' }, apiKey)).statusCode, 403);
    const revoked = await h.user('revoked eden');
    const me = (await h.request({ method: 'GET', url: '/v1/whoami', as: revoked.secret })).json();
    await h.request({ method: 'POST', url: `/v1/tokens/${me.token.id}/revoke`, as: h.admin });
    assert.equal((await create({ name: 'nope' }, revoked.secret)).statusCode, 401);
  });

  it('lists, reads, updates and deletes by name, per caller', async () => {
    const user = await h.user('eden user');
    const other = await h.user('eden other');
    const { token } = (await create({ name: 'rw', token_type: 'sandbox_api_token', balance: '2', active_balance: true }, user.secret)).json();
    const read = await h.request({ method: 'GET', url: `${URL_BASE}rw/`, as: user.secret });
    assertMatches(edenRetrieveTokenResponse, read.json(), 'the retrieve response');
    assert.deepEqual(read.json(), { name: 'rw', token: null, token_type: 'sandbox_api_token', balance: 2, active_balance: true, expire_time: null });
    const list = await h.request({ method: 'GET', url: URL_BASE, as: user.secret });
    assert.deepEqual(
      list.json().map((t: { name: string }) => t.name),
      ['rw'],
    );
    assert.equal(list.body.includes(token), false, 'the secret is never shown again');
    assert.equal((await h.request({ method: 'GET', url: `${URL_BASE}rw/`, as: other.secret })).statusCode, 404);

    const patched = await h.request({ method: 'PATCH', url: `${URL_BASE}rw/`, as: user.secret, payload: { balance: 0.5, active_balance: true } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(patched.json(), { name: 'rw', token_type: 'sandbox_api_token', balance: 0.5, expire_time: null, active_balance: true });
    assert.deepEqual(await verify(token), { valid: false, code: 'USAGE_EXCEEDED', remaining: '0.5' });
    const bad = await h.request({ method: 'PATCH', url: `${URL_BASE}rw/`, as: user.secret, payload: { balance: 100000, active_balance: false } });
    assert.equal(bad.statusCode, 400);
    assert.equal((await h.request({ method: 'GET', url: `${URL_BASE}rw/`, as: user.secret })).json().active_balance, true, 'nothing changed');
    assert.equal((await h.request({ method: 'PATCH', url: `${URL_BASE}rw/`, as: other.secret, payload: { balance: 9 } })).statusCode, 404);

    assert.equal((await h.request({ method: 'DELETE', url: `${URL_BASE}rw/`, as: other.secret })).statusCode, 404);
    assert.equal((await h.request({ method: 'DELETE', url: `${URL_BASE}rw/`, as: user.secret })).statusCode, 204);
    assert.equal((await verify(token)).code, 'NOT_FOUND');
    assert.equal((await h.request({ method: 'GET', url: `${URL_BASE}rw/`, as: user.secret })).statusCode, 404);
  });

  it('reads, updates and deletes a token by a name as long as a name may be; a longer one is 400 in its error shape', async () => {
    const name = `${'n'.repeat(100)}${'é'.repeat(100)}`;
    assert.equal((await create({ name })).statusCode, 201);
    const url = `${URL_BASE}${encodeURIComponent(name)}/`;
    const read = await h.request({ method: 'GET', url, as: h.admin });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().name, name);
    assert.equal((await h.request({ method: 'PATCH', url, as: h.admin, payload: { active_balance: true } })).statusCode, 200);
    const tooLong = await h.request({ method: 'GET', url: `${URL_BASE}${'n'.repeat(201)}/`, as: h.admin });
    assert.equal(tooLong.statusCode, 400);
    assert.equal(tooLong.json().error.type, 'VALIDATION_ERROR');
    assert.equal((await h.request({ method: 'DELETE', url, as: h.admin })).statusCode, 204);
  });

  it('refuses a PATCH of the balance without credits:write before it changes anything else', async () => {
    const expire = new Date(h.clock.now() + 86_400_000).toISOString();
    assert.equal((await create({ name: 'half-patched', expire_time: expire, balance: '3' })).statusCode, 201);
    const noCredits = (
      await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'tokens only', type: 'personal', scopes: ['tokens:write'] } })
    ).json().secret;
    const before = await storeSnapshot(h);
    const later = new Date(h.clock.now() + 2 * 86_400_000).toISOString();
    for (const payload of [
      { expire_time: later, balance: '5' },
      { active_balance: true, balance: 5 },
    ]) {
      const res = await h.request({ method: 'PATCH', url: `${URL_BASE}half-patched/`, as: noCredits, payload });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.type, 'FORBIDDEN');
    }
    assert.equal(await storeSnapshot(h), before);
    const ok = await h.request({ method: 'PATCH', url: `${URL_BASE}half-patched/`, as: noCredits, payload: { expire_time: later } });
    assert.equal(ok.statusCode, 200, 'without a balance, tokens:write is enough');
  });
});
