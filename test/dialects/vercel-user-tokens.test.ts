import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Vercel } from '@vercel/sdk';
import { parseSecret } from '../../src/core/secret.js';
import { vercelCreateAuthTokenRequest, vercelCreateAuthTokenResponse } from '../contracts/vercel.js';
import { describeEachApp } from '../support/app-harness.js';
import { assertMatches } from '../support/contract.js';

await describeEachApp('Vercel user tokens', (h) => {
  let serverURL: string;
  before(async () => {
    // The SDK runs in real time against a real socket; the harness clock must not lag behind it.
    h.clock.time = Date.now();
    serverURL = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  const sdk = (bearerToken: string) => new Vercel({ bearerToken, serverURL });

  it('@vercel/sdk creates, lists, reads and deletes auth tokens', async () => {
    const user = await h.user('vercel user');
    const vercel = sdk(user.secret);
    const expiresAt = h.clock.now() + 86_400_000;
    const created = await vercel.authentication.createAuthToken({ requestBody: { name: 'deploy bot', expiresAt } });
    assert.equal(parseSecret(created.bearerToken)?.prefix, 'tsr');
    assert.equal(created.token.name, 'deploy bot');
    assert.equal(created.token.expiresAt, expiresAt);
    assert.equal(created.token.suffix, created.bearerToken.slice(-4));
    assert.deepEqual(created.token.scopes, [{ type: 'user', origin: 'manual', createdAt: created.token.createdAt, expiresAt }]);

    const listed = await vercel.authentication.listAuthTokens();
    const names = listed.tokens.map((t) => t.name);
    assert.deepEqual(names, ['deploy bot', 'vercel user personal']);
    assert.equal(listed.pagination.count, 2);

    const read = await vercel.authentication.getAuthToken({ tokenId: created.token.id });
    assert.equal(read.token.id, created.token.id);
    const current = await sdk(created.bearerToken).authentication.getAuthToken({ tokenId: 'current' });
    assert.equal(current.token.id, created.token.id);

    const deleted = await vercel.authentication.deleteAuthToken({ tokenId: created.token.id });
    assert.deepEqual(deleted, { tokenId: created.token.id });
    const verify = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: created.bearerToken } });
    assert.equal(verify.json().code, 'NOT_FOUND');
    await assert.rejects(vercel.authentication.getAuthToken({ tokenId: created.token.id }), (e: { statusCode?: number }) => e.statusCode === 404);
  });

  it('answers create with exactly 200 in the shape of the reference, team-scoped with ?teamId=', async () => {
    const owner = await h.user('vercel owner');
    const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'vercel-team' } })).json().team;
    const body = { name: 'team token' };
    assertMatches(vercelCreateAuthTokenRequest, body, 'the request');
    const res = await h.request({ method: 'POST', url: `/v3/user/tokens?teamId=${team.id}`, as: owner.secret, payload: body });
    assert.equal(res.statusCode, 200);
    assertMatches(vercelCreateAuthTokenResponse, res.json(), 'the response');
    assert.deepEqual(res.json().token.scopes, [{ type: 'team', origin: 'manual', createdAt: res.json().token.createdAt, teamId: team.id }]);
    for (const absent of ['expiresAt', 'revokedAt', 'leakedAt', 'leakedUrl']) assert.equal(absent in res.json().token, false, absent);

    const native = await h.request({ method: 'GET', url: `/v1/tokens?teamId=${team.id}`, as: owner.secret });
    assert.equal(native.json().items[0].origin, 'vercel');
  });

  it('answers errors in Vercel shape: 400 bad input, 401 no or bad token, 403 other team, 404 unknown token', async () => {
    const stranger = await h.user('vercel stranger');
    const owner = await h.user('vercel owner 2');
    const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'vercel-team-2' } })).json().team;
    const cases: Array<[number, string, Parameters<typeof h.request>[0]]> = [
      [400, 'bad_request', { method: 'POST', url: '/v3/user/tokens', as: owner.secret, payload: {} }],
      [400, 'bad_request', { method: 'POST', url: '/v3/user/tokens', as: owner.secret, payload: { name: 'x', expiresAt: 'soon' } }],
      [400, 'bad_request', { method: 'POST', url: '/v3/user/tokens', as: owner.secret, payload: { name: 'x', expiresAt: 1000 } }],
      [401, 'not_authorized', { method: 'POST', url: '/v3/user/tokens', payload: { name: 'x' } }],
      [401, 'not_authorized', { method: 'GET', url: '/v6/user/tokens', as: 'tsr_madeup' }],
      [403, 'forbidden', { method: 'POST', url: `/v3/user/tokens?teamId=${team.id}`, as: stranger.secret, payload: { name: 'x' } }],
      [404, 'not_found', { method: 'GET', url: '/v5/user/tokens/tok_nope', as: owner.secret }],
      [404, 'not_found', { method: 'DELETE', url: `/v3/user/tokens/${owner.id}`, as: stranger.secret }],
    ];
    for (const [status, code, request] of cases) {
      const res = await h.request(request);
      assert.equal(res.statusCode, status, `${request.method} ${request.url}`);
      assert.equal(res.json().error.code, code);
      assert.equal(typeof res.json().error.message, 'string');
    }
  });
});
