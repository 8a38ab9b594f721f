import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseSecret } from '../../src/core/secret.js';
import { vidaCreateTokenRequest, vidaCreateTokenResponse } from '../contracts/vida.js';
import { describeEachApp } from '../support/app-harness.js';
import { assertMatches } from '../support/contract.js';

await describeEachApp('Vida dialect', (h) => {
  const create = (query: string, payload: unknown) => h.request({ method: 'POST', url: `/api/v2/tokens${query}`, payload: payload as object });

  it('creates an admin token in the exact shape of the reference, for the ?token= caller', async () => {
    const user = await h.user('vida user');
    const body = { type: 'admin', description: 'Main app' };
    assertMatches(vidaCreateTokenRequest, body, 'the request');
    const res = await create(`?token=${user.secret}`, body);
    assert.equal(res.statusCode, 200);
    const json = res.json();
    assertMatches(vidaCreateTokenResponse, json, 'the response');
    assert.equal(json.success, true);
    assert.equal(json.message, 'Token created successfully');
    assert.equal(json.token.description, 'Main app');
    assert.equal(json.token.type, 'admin');
    assert.equal(json.token.timestamp, String(Math.floor(h.clock.now() / 1000)));
    const me = (await h.request({ method: 'GET', url: '/v1/whoami', as: user.secret })).json().user;
    assert.equal(json.token.userId, me.numId);
    assert.equal(parseSecret(json.token.token)?.prefix, 'tsr');

    // The new token is a real admin credential for the same user, verifies natively, and is audited with its origin.
    const who = await h.request({ method: 'GET', url: `/v1/whoami?token=${json.token.token}` });
    assert.equal(who.json().user.id, user.id);
    const verified = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: json.token.token } });
    assert.equal(verified.json().token.origin, 'vida');
    const audit = await h.request({ method: 'GET', url: `/v1/audit?targetId=${verified.json().token.id}`, as: user.secret });
    assert.equal(audit.json().items[0].details.origin, 'vida');
  });

  it('defaults the type to admin', async () => {
    const res = await create(`?token=${h.admin}`, { description: 'no type' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().token.type, 'admin');
  });

  it('answers 401 without a valid ?token=, and creates nothing', async () => {
    const before = (await h.request({ method: 'GET', url: '/v1/audit?limit=200', as: h.admin })).json().items.length;
    // One character changed: never the one it already is.
    const mistyped = h.admin.slice(0, -1) + (h.admin.endsWith('x') ? 'y' : 'x');
    for (const query of ['', '?token=', '?token=tsr_madeup', `?token=${mistyped}`]) {
      const res = await create(query, { type: 'admin', description: 'x' });
      assert.equal(res.statusCode, 401, query);
      assert.deepEqual(Object.keys(res.json()).sort(), ['message', 'success']);
      assert.equal(res.json().success, false);
    }
    const after = (await h.request({ method: 'GET', url: '/v1/audit?limit=200', as: h.admin })).json().items.length;
    assert.equal(after, before);
  });

  it('answers 400 for another type or a missing or empty description', async () => {
    for (const body of [{ type: 'read', description: 'x' }, { type: 'admin' }, { type: 'admin', description: '' }, { description: 7 }]) {
      const res = await create(`?token=${h.admin}`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().success, false);
      assert.ok(res.json().message.length > 0);
    }
  });

  it("lists the caller's admin tokens without secrets, and deletes by secret or id", async () => {
    const user = await h.user('lister');
    const a = (await create(`?token=${user.secret}`, { description: 'A' })).json().token;
    const b = (await create(`?token=${user.secret}`, { description: 'B' })).json().token;
    const listed = await h.request({ method: 'GET', url: `/api/v2/tokens?token=${user.secret}` });
    assert.equal(listed.statusCode, 200);
    assert.equal(listed.body.includes(a.token), false);
    const descriptions = listed.json().tokens.map((t: { description: string }) => t.description);
    assert.deepEqual(descriptions, ['B', 'A', 'lister personal']);

    const bySecret = await h.request({ method: 'DELETE', url: `/api/v2/tokens/${a.token}?token=${user.secret}` });
    assert.deepEqual(bySecret.json(), { success: true, message: 'Token deleted successfully' });
    assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: a.token } })).json().code, 'NOT_FOUND');

    const bId = listed.json().tokens[0].id;
    assert.equal((await h.request({ method: 'DELETE', url: `/api/v2/tokens/${bId}?token=${user.secret}` })).statusCode, 200);
    assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: b.token } })).json().code, 'NOT_FOUND');
  });

  it("cannot delete another user's token", async () => {
    const owner = await h.user('owner v');
    const other = await h.user('other v');
    const t = (await create(`?token=${owner.secret}`, { description: 'mine' })).json().token;
    const res = await h.request({ method: 'DELETE', url: `/api/v2/tokens/${t.token}?token=${other.secret}` });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().success, false);
    assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: t.token } })).json().code, 'VALID');
  });
});
