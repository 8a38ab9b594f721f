import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { AppError } from '../../core/errors.js';
import { acceptFormBodies, formFields } from './form-body.js';
import { issuerOf } from './issuer.js';
import { OAuthError, setOAuthErrorShape } from './oauth-errors.js';

/** An app whose one route, in an OAuth scope, echoes the form it was sent or throws what the form says. */
async function formApp() {
  const app = Fastify();
  await app.register(async (scope) => {
    acceptFormBodies(scope);
    setOAuthErrorShape(scope);
    scope.post('/oauth', async (request) => {
      const body = request.body as Record<string, string>;
      if (body.fail === 'grant') throw new OAuthError('invalid_grant', 'the key is revoked');
      if (body.fail === 'client') throw new AppError('UNAUTHORIZED', 'who are you');
      if (body.fail === 'bug') throw new Error('secret internals');
      return body;
    });
  });
  return app;
}

const form = (payload: string, contentType = 'application/x-www-form-urlencoded') => ({
  method: 'POST' as const,
  url: '/oauth',
  headers: { 'content-type': contentType },
  payload,
});

describe('form bodies on the OAuth endpoints', () => {
  it('reads each field once, decoded as the standard says', async () => {
    const app = await formApp();
    const res = await app.inject(form('token=tsr_a%2Bb+c&token_type_hint=access_token&empty='));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { token: 'tsr_a+b c', token_type_hint: 'access_token', empty: '' });
    assert.equal((await app.inject(form('a=1', 'application/x-www-form-urlencoded; charset=UTF-8'))).statusCode, 200);
  });

  it('refuses a field given twice, a NUL, another charset, a content coding and JSON, in OAuth’s error shape', async () => {
    const app = await formApp();
    const twice = await app.inject(form('token=a&token=b'));
    assert.equal(twice.statusCode, 400);
    assert.deepEqual(twice.json(), { error: 'invalid_request', error_description: 'token is given more than once' });
    assert.equal(twice.headers['cache-control'], 'no-store');
    assert.equal((await app.inject(form('token=a%00b'))).json().error, 'invalid_request');
    assert.equal((await app.inject(form('a=1', 'application/x-www-form-urlencoded; charset=latin1'))).statusCode, 415);
    assert.equal((await app.inject(form('{"token":"a"}', 'application/json'))).statusCode, 415);
    const gzip = await app.inject({ ...form('a=1'), headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' } });
    assert.equal(gzip.statusCode, 415);
    assert.equal(gzip.json().error, 'invalid_request');
  });

  it('answers OAuth errors with their status, an unknown client with 401 and a challenge, a bug as server_error without its message', async () => {
    const app = await formApp();
    const grant = await app.inject(form('fail=grant'));
    assert.equal(grant.statusCode, 400);
    assert.deepEqual(grant.json(), { error: 'invalid_grant', error_description: 'the key is revoked' });
    const client = await app.inject(form('fail=client'));
    assert.equal(client.statusCode, 401);
    assert.equal(client.json().error, 'invalid_client');
    assert.match(String(client.headers['www-authenticate']), /^Basic realm="tessera"/);
    const bug = await app.inject(form('fail=bug'));
    assert.equal(bug.statusCode, 500);
    assert.equal(bug.json().error, 'server_error');
    assert.doesNotMatch(bug.body, /secret internals/);
  });

  it('keeps a __proto__ field as a plain field, never as a prototype', () => {
    const fields = formFields('__proto__=x&token=t');
    assert.equal(Object.getPrototypeOf(fields), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value, 'x');
  });
});

describe('the issuer', () => {
  it('is the configured public URL when there is one, else the address the request came to', async () => {
    const app = Fastify();
    app.get('/', async (request) => ({ derived: issuerOf(request, undefined), configured: issuerOf(request, 'https://keys.example.com') }));
    const res = await app.inject({ method: 'GET', url: '/', headers: { host: 'tessera.local:8420' } });
    assert.deepEqual(res.json(), { derived: 'http://tessera.local:8420', configured: 'https://keys.example.com' });
  });
});
