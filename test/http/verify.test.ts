import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachApp } from '../support/app-harness.js';

await describeEachApp('POST /v1/verify', (h) => {
  const issue = async (payload: Record<string, unknown>) => {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'v', ...payload } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { token: { id: string }; secret: string };
  };
  const verify = (payload: Record<string, unknown>, remoteAddress?: string) => h.request({ method: 'POST', url: '/v1/verify', payload, remoteAddress });

  it('answers VALID with the metadata and without any credential', async () => {
    const { token, secret } = await issue({ scopes: ['docs:read'], metadata: { customer: 42 } });
    const res = await verify({ token: secret });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.valid, true);
    assert.equal(body.code, 'VALID');
    assert.equal(body.token.id, token.id);
    assert.deepEqual(body.token.metadata, { customer: 42 });
    assert.equal('digest' in body.token, false);
  });

  it('answers a cached token with nothing to meter at once, without a promise; what must wait is a promise', async () => {
    const { secret } = await issue({});
    const metered = await issue({ credits: '5' });
    // The first lookup reads the store; from then on the cache answers.
    assert.ok(h.services.verify.verify(secret, {}) instanceof Promise);
    assert.equal((await h.services.verify.verify(metered.secret, {})).code, 'VALID');
    const cached = h.services.verify.verify(secret, {});
    assert.ok(!(cached instanceof Promise));
    assert.equal(cached.code, 'VALID');
    assert.ok(!(h.services.verify.verify('tsk_made-up', {}) instanceof Promise), 'a malformed secret never waits either');
    // A charge is a store write, so it waits even when the token is cached.
    const charged = h.services.verify.verify(metered.secret, {});
    assert.ok(charged instanceof Promise);
    assert.equal((await charged).remaining, 3_000_000_000n);
  });

  it('answers NOT_FOUND for made-up, mistyped and unknown-but-well-formed tokens, without metadata', async () => {
    const { secret } = await issue({});
    const mistyped = secret.slice(0, 10) + (secret[10] === 'A' ? 'B' : 'A') + secret.slice(11);
    await h.request({ method: 'DELETE', url: `/v1/tokens/${(await issue({})).token.id}`, as: h.admin });
    for (const token of ['hello', 'tsk_' + 'a'.repeat(36), mistyped, 'x'.repeat(512)]) {
      const res = await verify({ token });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { valid: false, code: 'NOT_FOUND' });
    }
  });

  it('checks scopes, resource, environment and project', async () => {
    const { secret } = await issue({
      scopes: ['docs:*', 'billing:read'],
      resource: { kind: 'document', id: 'doc_1' },
      environment: 'production',
      projects: ['web', 'api'],
    });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scopes: ['docs:write', 'billing:read'] }, 'VALID'],
      [{ scopes: ['billing:write'] }, 'INSUFFICIENT_PERMISSIONS'],
      [{ resource: { kind: 'document', id: 'doc_1' } }, 'VALID'],
      [{ resource: { kind: 'document', id: 'doc_2' } }, 'INSUFFICIENT_PERMISSIONS'],
      [{ environment: 'production' }, 'VALID'],
      [{ environment: 'development' }, 'INSUFFICIENT_PERMISSIONS'],
      [{ project: 'api' }, 'VALID'],
      [{ project: 'mobile' }, 'INSUFFICIENT_PERMISSIONS'],
    ];
    for (const [required, code] of cases) {
      const res = await verify({ token: secret, ...required });
      assert.equal(res.json().code, code, JSON.stringify(required));
    }
  });

  it('applies the IP allowlist to the given ip, else to the caller address', async () => {
    const { secret } = await issue({ ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'] });
    assert.equal((await verify({ token: secret, ip: '10.1.2.3' })).json().code, 'VALID');
    assert.equal((await verify({ token: secret, ip: '2001:db8::1' })).json().code, 'VALID');
    assert.equal((await verify({ token: secret, ip: '192.168.0.1' })).json().code, 'FORBIDDEN');
    assert.equal((await verify({ token: secret }, '10.9.9.9')).json().code, 'VALID');
    assert.equal((await verify({ token: secret }, '127.0.0.1')).json().code, 'FORBIDDEN');
  });

  it('answers EXPIRED once the expiry passes', async () => {
    const { secret } = await issue({ expiresAt: h.clock.now() + 5000 });
    assert.equal((await verify({ token: secret })).json().code, 'VALID');
    h.clock.advance(5000);
    assert.equal((await verify({ token: secret })).json().code, 'EXPIRED');
  });

  it('sees a revocation at once even though the token is cached', async () => {
    const { token, secret } = await issue({});
    assert.equal((await verify({ token: secret })).json().code, 'VALID');
    assert.equal((await verify({ token: secret })).json().code, 'VALID');
    await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });
    assert.equal((await verify({ token: secret })).json().code, 'REVOKED');
  });

  it('writes last-used and the use count behind: nothing per request, then once on flush', async () => {
    const { token, secret } = await issue({});
    await verify({ token: secret });
    h.clock.advance(10);
    const usedAt = h.clock.now();
    await verify({ token: secret });
    assert.equal((await h.stores.tokens.findById(token.id))!.activeAt, null, 'no write on the request path');
    await h.background.usage.flush();
    const read = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin });
    assert.equal(read.json().token.activeAt, usedAt);
    assert.equal(read.json().token.useCount, 2);
  });

  it('verifies a batch in request order, with shared and per-item requirements', async () => {
    const a = await issue({ scopes: ['x'] });
    const b = await issue({ scopes: ['y'] });
    const res = await h.request({
      method: 'POST',
      url: '/v1/verify/batch',
      payload: { scopes: ['x'], tokens: [a.secret, b.secret, { token: b.secret, scopes: ['y'] }, 'nope'] },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().results.map((r: { code: string }) => r.code),
      ['VALID', 'INSUFFICIENT_PERMISSIONS', 'VALID', 'NOT_FOUND'],
    );
    assert.equal(res.json().results[0].token.id, a.token.id);
  });

  it('rejects bad verify bodies with 400', async () => {
    for (const payload of [{}, { token: '' }, { token: 5 }, { token: 'x', scopes: 'docs' }, { token: 'x', extra: true }]) {
      const res = await verify(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().error.code, 'VALIDATION_ERROR');
    }
    const tooMany = await h.request({ method: 'POST', url: '/v1/verify/batch', payload: { tokens: Array(1001).fill('x') } });
    assert.equal(tooMany.statusCode, 400);
    const none = await h.request({ method: 'POST', url: '/v1/verify/batch', payload: { tokens: [] } });
    assert.equal(none.statusCode, 400);
  });
});
