import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { describeEachApp } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

/*
 * The hostile battery for the form-encoded route, POST /oauth/token: what the JSON routes meet in
 * hostile.test.ts, in the one place form bodies are taken. Every case is refused with a 4xx in
 * OAuth's shape and changes nothing, not even the first signing key.
 */
await describeEachApp('hostile requests to POST /oauth/token', (h) => {
  let secret: string;
  before(async () => {
    secret = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'exchanged', scopes: ['docs:read'] } })).json().secret;
  });

  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
  const good = () =>
    `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:token-exchange')}&subject_token=${secret}&subject_token_type=${encodeURIComponent('urn:ietf:params:oauth:token-type:access_token')}`;
  const post = (payload: string | Buffer, headers: Record<string, string> = FORM): InjectOptions => ({ method: 'POST', url: '/oauth/token', headers, payload });

  const cases = (): Array<[string, InjectOptions, number, string]> => [
    ['JSON', post(JSON.stringify({ grant_type: 'x' }), { 'content-type': 'application/json' }), 415, 'invalid_request'],
    [
      'multipart',
      post(`--b\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nx\r\n--b--`, { 'content-type': 'multipart/form-data; boundary=b' }),
      415,
      'invalid_request',
    ],
    ['no content type', post(good(), {}), 415, 'invalid_request'],
    ['a latin-1 form', post(good(), { 'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1' }), 415, 'invalid_request'],
    ['a gzip form', post(gzipSync(good()), { ...FORM, 'content-encoding': 'gzip' }), 415, 'invalid_request'],
    ['a form over 100 kB', post(`${good()}&x=${'a'.repeat(101 * 1024)}`), 413, 'invalid_request'],
    ['subject_token twice', post(`${good()}&subject_token=${secret}`), 400, 'invalid_request'],
    ['grant_type twice, the second one good', post(`grant_type=password&${good()}`), 400, 'invalid_request'],
    ['a NUL in the token', post(good().replace(`subject_token=${secret}`, `subject_token=${secret}%00`)), 400, 'invalid_request'],
    ['a raw NUL in the body', post(Buffer.concat([Buffer.from(good()), Buffer.from([0])])), 400, 'invalid_request'],
    ['a token of 10 kB', post(good().replace(`subject_token=${secret}`, `subject_token=${'t'.repeat(10_000)}`)), 400, 'invalid_request'],
    ['an empty body', post(''), 400, 'invalid_request'],
    ['only separators', post('&&&==&'), 400, 'invalid_request'],
    ['__proto__ fields', post(`__proto__=x&constructor=y&${good().replace(/subject_token=[^&]*/, 'subject_token=')}`), 400, 'invalid_request'],
    ['bytes that are no UTF-8', post(Buffer.concat([Buffer.from(`${good()}&scope=`), Buffer.from([0xff, 0xfe])])), 400, 'invalid_scope'],
    ['a scope with a NUL-free control character', post(`${good()}&scope=docs%3Aread%0A`), 400, 'invalid_scope'],
    ['SQL in the token', post(good().replace(`subject_token=${secret}`, `subject_token=${encodeURIComponent("' OR 1=1 --")}`)), 400, 'invalid_grant'],
    [
      'a made-up key of the right shape',
      post(good().replace(`subject_token=${secret}`, 'subject_token=tsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')),
      400,
      'invalid_grant',
    ],
    [
      'the key in the Authorization header instead',
      post(good().replace(`subject_token=${secret}`, 'subject_token=x'), { ...FORM, authorization: `Bearer ${secret}` }),
      400,
      'invalid_grant',
    ],
    ['an unknown grant type', post(good().replace('token-exchange', 'token-exchange2')), 400, 'unsupported_grant_type'],
    ['a scope beyond the key', post(`${good()}&scope=docs%3Awrite`), 400, 'invalid_scope'],
    ['a resource that is no URI', post(`${good()}&resource=%2Fapi`), 400, 'invalid_target'],
    ['an actor token', post(`${good()}&actor_token=${secret}`), 400, 'invalid_request'],
  ];

  it('refuses each hostile form in OAuth’s shape with the status it deserves, and changes nothing', async () => {
    const before = await storeSnapshot(h);
    const wrong: string[] = [];
    for (const [name, options, status, error] of cases()) {
      const res = await h.app.inject(options);
      const body = String(res.headers['content-type'] ?? '').startsWith('application/json') ? res.json() : undefined;
      if (res.statusCode !== status || body?.error !== error || typeof body?.error_description !== 'string' || res.headers['cache-control'] !== 'no-store') {
        wrong.push(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(wrong, []);
    assert.equal(await storeSnapshot(h), before);
    assert.deepEqual(await h.stores.signingKeys.list(), [], 'no refusal made a signing key');
  });

  it('takes the same form spelled in capitals, with a UTF-8 charset, and with parameters it does not know', async () => {
    for (const headers of [{ 'content-type': 'Application/X-WWW-Form-Urlencoded' }, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }]) {
      const res = await h.app.inject(post(`${good()}&client_id=gateway&unknown=1`, headers));
      assert.equal(res.statusCode, 200, res.body);
    }
  });

  it('answers other methods on the OAuth routes with 404, and the JWKS only to GET (and HEAD)', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) assert.equal((await h.app.inject({ method, url: '/oauth/token' })).statusCode, 404, method);
    for (const method of ['POST', 'PUT', 'DELETE'] as const)
      assert.equal((await h.app.inject({ method, url: '/.well-known/jwks.json' })).statusCode, 404, method);
    const jwks = await h.app.inject({ method: 'GET', url: '/.well-known/jwks.json?kid=%00' });
    assert.equal(jwks.statusCode, 400, 'a NUL anywhere in the URL is refused');
  });
});
