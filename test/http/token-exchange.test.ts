import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { withHarness, type Harness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
/** The host the requests name: the issuer is the address a request came to when TESSERA_PUBLIC_URL is not set. */
const HOST = 'keys.example.test';
const ISSUER = `http://${HOST}`;

function exchange(h: Harness, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return h.request({
    method: 'POST',
    url: '/oauth/token',
    headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

const forKey = (secret: string, more: Record<string, string> = {}) => ({ grant_type: GRANT, subject_token: secret, subject_token_type: ACCESS_TOKEN, ...more });

async function key(h: Harness, payload: Record<string, unknown> = {}, query = ''): Promise<{ id: string; secret: string }> {
  const res = await h.request({
    method: 'POST',
    url: `/v1/tokens${query}`,
    as: h.admin,
    payload: { name: 'exchanged', scopes: ['docs:read', 'docs:write'], ...payload },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().token.id, secret: res.json().secret };
}

/** The JWT verified against the key set the server publishes, at the harness's time. */
async function verified(h: Harness, jwt: string, audience: string | string[] = ISSUER): Promise<JWTPayload> {
  const jwks = (await h.request({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience,
    algorithms: ['EdDSA'],
    typ: 'at+jwt',
    currentDate: new Date(h.clock.now()),
  });
  return payload;
}

async function refusal(h: Harness, fields: Record<string, string>) {
  const res = await exchange(h, fields);
  return { status: res.statusCode, error: res.json().error as string, description: res.json().error_description as string, res };
}

describe('POST /oauth/token (RFC 8693)', () => {
  it('exchanges a key for a JWT with the key’s scopes, the issuer as audience and the claims promised, signed by a published key', () =>
    withHarness(async (h) => {
      const { id, secret } = await key(h);
      const admin = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id;
      const res = await exchange(h, forKey(secret));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type']);
      assert.equal(body.issued_token_type, JWT);
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 900);
      assert.equal(body.scope, 'docs:read docs:write');

      const header = decodeProtectedHeader(body.access_token);
      assert.equal(header.alg, 'EdDSA');
      assert.equal(header.typ, 'at+jwt');
      const jwks = (await h.request({ method: 'GET', url: '/.well-known/jwks.json' })).json();
      assert.deepEqual(
        jwks.keys.map((k: { kid: string }) => k.kid),
        [header.kid],
      );
      assert.deepEqual(Object.keys(jwks.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      assert.equal(jwks.keys[0].crv, 'Ed25519');

      const claims = await verified(h, body.access_token);
      const now = Math.floor(h.clock.now() / 1000);
      assert.equal(claims.iss, ISSUER);
      assert.equal(claims.aud, ISSUER);
      assert.equal(claims.sub, id);
      assert.equal(claims.client_id, id);
      assert.equal(claims.owner, admin);
      assert.equal(claims.team, undefined);
      assert.equal(claims.tessera_token_type, 'api');
      assert.equal(claims.scope, 'docs:read docs:write');
      assert.equal(claims.iat, now);
      assert.equal(claims.nbf, now);
      assert.equal(claims.exp, now + 900);
      assert.match(String(claims.jti), /^[\w-]{22}$/);
      const again = decodeJwt((await exchange(h, forKey(secret))).json().access_token);
      assert.notEqual(again.jti, claims.jti);
    }));

  it('narrows the scopes to those asked for, within the key’s by the scope rules, and refuses more with invalid_scope', () =>
    withHarness(async (h) => {
      const { secret } = await key(h, { scopes: ['docs:*', 'billing:read'] });
      const narrowed = await exchange(h, forKey(secret, { scope: 'docs:read billing:read docs:read' }));
      assert.equal(narrowed.statusCode, 200, narrowed.body);
      assert.equal(narrowed.json().scope, 'docs:read billing:read');
      assert.equal((await verified(h, narrowed.json().access_token)).scope, 'docs:read billing:read');
      assert.equal((await exchange(h, forKey(secret, { scope: '' }))).json().scope, 'docs:* billing:read', 'an empty parameter is an omitted one');
      for (const scope of ['billing:write', 'docs:read admin', '*', 'billing:*']) {
        const refused = await refusal(h, forKey(secret, { scope }));
        assert.deepEqual([refused.status, refused.error], [400, 'invalid_scope'], scope);
      }
      for (const scope of ['docs:read  billing:read', ' docs:read', 'docs:read\tbilling:read', 'docs read!']) {
        assert.equal((await refusal(h, forKey(secret, { scope }))).error, 'invalid_scope', JSON.stringify(scope));
      }
    }));

  it('names the audience or resource asked for as aud, both when both are, and refuses a resource that is no absolute URI', () =>
    withHarness(async (h) => {
      const { secret } = await key(h);
      const jwtFor = async (more: Record<string, string>) => (await exchange(h, forKey(secret, more))).json().access_token as string;
      assert.equal((await verified(h, await jwtFor({ audience: 'billing-api' }), 'billing-api')).aud, 'billing-api');
      assert.equal(
        (await verified(h, await jwtFor({ resource: 'https://api.example.com/v2' }), 'https://api.example.com/v2')).aud,
        'https://api.example.com/v2',
      );
      assert.deepEqual(decodeJwt(await jwtFor({ audience: 'billing-api', resource: 'https://api.example.com' })).aud, [
        'billing-api',
        'https://api.example.com',
      ]);
      await assert.rejects(verified(h, await jwtFor({ audience: 'billing-api' }), 'other-api'), /aud/);
      for (const resource of ['not a uri', '/relative', 'https://api.example.com/#fragment']) {
        assert.deepEqual([(await refusal(h, forKey(secret, { resource }))).error], ['invalid_target'], resource);
      }
    }));

  it('lives TESSERA_JWT_TTL_SECONDS, never past the key’s expiry or its scheduled revocation, and refuses a key in its last second', () =>
    withHarness(
      async (h) => {
        const long = await key(h);
        assert.equal((await exchange(h, forKey(long.secret))).json().expires_in, 60);
        const expiresAt = h.clock.now() + 42_500;
        const short = await key(h, { expiresAt });
        const res = await exchange(h, forKey(short.secret));
        assert.equal(res.json().expires_in, 42);
        const claims = await verified(h, res.json().access_token);
        assert.equal(claims.exp, Math.floor(expiresAt / 1000));
        h.clock.advance(42_000);
        assert.equal((await refusal(h, forKey(short.secret))).error, 'invalid_grant');
        h.clock.advance(1000);
        assert.equal((await refusal(h, forKey(short.secret))).error, 'invalid_grant');
        // A rotation with a grace period revokes the old key later: its JWTs end by then.
        const rotated = await key(h);
        const rotation = await h.request({ method: 'POST', url: `/v1/tokens/${rotated.id}/rotate`, as: h.admin, payload: { gracePeriodMs: 30_000 } });
        assert.ok(rotation.statusCode < 300, rotation.body);
        assert.equal((await exchange(h, forKey(rotated.secret))).json().expires_in, 30);
      },
      undefined,
      { jwtTtlSeconds: 60 },
    ));

  it('refuses unknown, made-up, revoked, expired and IP-barred keys with invalid_grant; a revoked key’s next exchange at once', () =>
    withHarness(async (h) => {
      const { id, secret } = await key(h);
      assert.equal((await exchange(h, forKey(secret))).statusCode, 200);
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${id}/revoke`, as: h.admin })).statusCode, 200);
      const revoked = await refusal(h, forKey(secret));
      assert.deepEqual([revoked.status, revoked.error], [400, 'invalid_grant']);
      assert.equal(revoked.res.headers['cache-control'], 'no-store');
      assert.equal((await refusal(h, forKey('tsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'))).error, 'invalid_grant');
      assert.equal((await refusal(h, forKey(`${secret.slice(0, -1)}x`))).error, 'invalid_grant');
      const expiring = await key(h, { expiresAt: h.clock.now() + 1000 });
      h.clock.advance(1500);
      assert.equal((await refusal(h, forKey(expiring.secret))).error, 'invalid_grant');
      const barred = await key(h, { ipAllowlist: ['10.1.2.3'] });
      assert.equal((await refusal(h, forKey(barred.secret))).error, 'invalid_grant');
      const allowed = await key(h, { ipAllowlist: ['127.0.0.1'] });
      assert.equal((await exchange(h, forKey(allowed.secret))).statusCode, 200);
    }));

  it('carries the team of a team’s key, spends its rate limits (429 past them) and never its credits', () =>
    withHarness(async (h) => {
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: 'exchangers' } })).json().team.id;
      const teamKey = await key(h, {}, `?teamId=${team}`);
      assert.equal((await verified(h, (await exchange(h, forKey(teamKey.secret))).json().access_token)).team, team);

      const limited = await key(h, { rateLimits: [{ name: 'exchange', limit: 2, durationMs: 60_000 }] });
      assert.equal((await exchange(h, forKey(limited.secret))).statusCode, 200);
      assert.equal((await exchange(h, forKey(limited.secret))).statusCode, 200);
      const third = await exchange(h, forKey(limited.secret));
      assert.equal(third.statusCode, 429);
      assert.equal(third.json().error, 'temporarily_unavailable');
      assert.ok(Number(third.headers['retry-after']) >= 1);

      const metered = await key(h, { credits: '1' });
      for (let i = 0; i < 3; i++) assert.equal((await exchange(h, forKey(metered.secret))).statusCode, 200);
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${metered.id}`, as: h.admin })).json().token.credits, '1');
    }));

  it('refuses another grant type, subject token type, requested token type or an actor token, each with its OAuth error', () =>
    withHarness(async (h) => {
      const { secret } = await key(h);
      const cases: Array<[Record<string, string>, string]> = [
        [forKey(secret, { grant_type: 'client_credentials' }), 'unsupported_grant_type'],
        [forKey(secret, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }), 'unsupported_grant_type'],
        [forKey(secret, { subject_token_type: JWT }), 'invalid_request'],
        [forKey(secret, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }), 'invalid_request'],
        [forKey(secret, { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }), 'invalid_request'],
        [forKey(secret, { actor_token: secret, actor_token_type: ACCESS_TOKEN }), 'invalid_request'],
        [{ subject_token: secret, subject_token_type: ACCESS_TOKEN }, 'invalid_request'],
        [{ grant_type: GRANT, subject_token_type: ACCESS_TOKEN }, 'invalid_request'],
        [{ grant_type: GRANT, subject_token: secret }, 'invalid_request'],
        [forKey(''), 'invalid_request'],
      ];
      for (const [fields, error] of cases) {
        const refused = await refusal(h, fields);
        assert.deepEqual([refused.status, refused.error], [400, error], JSON.stringify(fields));
        assert.ok(refused.description.length > 0);
      }
      for (const requested of [JWT, ACCESS_TOKEN]) {
        const res = await exchange(h, forKey(secret, { requested_token_type: requested, client_id: 'some-client' }));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().issued_token_type, JWT);
      }
    }));

  it('answers bad bodies 400, 413 or 415 in OAuth’s shape, and a refused exchange changes nothing: not even a first signing key', () =>
    withHarness(async (h) => {
      const { secret } = await key(h);
      const before = await storeSnapshot(h);
      const form = new URLSearchParams(forKey(secret)).toString();
      const post = (payload: string, contentType: string, more: Record<string, string> = {}) =>
        h.request({ method: 'POST', url: '/oauth/token', headers: { 'content-type': contentType, ...more }, payload });
      const cases: Array<[Promise<{ statusCode: number; json(): { error: string } }>, number]> = [
        [post(JSON.stringify(forKey(secret)), 'application/json'), 415],
        [post(form, 'text/plain'), 415],
        [post(form, 'application/x-www-form-urlencoded; charset=iso-8859-1'), 415],
        [post(form, 'application/x-www-form-urlencoded', { 'content-encoding': 'gzip' }), 415],
        [post(`${form}&scope=a&scope=b`, 'application/x-www-form-urlencoded'), 400],
        [post(`${form}&audience=a%00b`, 'application/x-www-form-urlencoded'), 400],
        [post(`${form}&scope=${'a'.repeat(5000)}`, 'application/x-www-form-urlencoded'), 400],
        [post(`${form}&padding=${'a'.repeat(110 * 1024)}`, 'application/x-www-form-urlencoded'), 413],
        [post('', 'application/x-www-form-urlencoded'), 400],
        [post(new URLSearchParams(forKey(secret, { grant_type: 'password' })).toString(), 'application/x-www-form-urlencoded'), 400],
        [post(new URLSearchParams(forKey(secret, { scope: 'admin' })).toString(), 'application/x-www-form-urlencoded'), 400],
        [post(new URLSearchParams(forKey('tsk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toString(), 'application/x-www-form-urlencoded'), 400],
      ];
      for (const [answer, status] of cases) {
        const res = await answer;
        assert.equal(res.statusCode, status);
        assert.equal(typeof res.json().error, 'string');
        assert.ok(!('code' in res.json()), 'OAuth’s shape, not the native one');
      }
      assert.equal(await storeSnapshot(h), before);
      assert.deepEqual(await h.stores.signingKeys.list(), [], 'no refused exchange made a signing key');
      const get = await h.request({ method: 'GET', url: '/oauth/token' });
      assert.equal(get.statusCode, 404);
    }));

  it('counts exchanges in the metrics by outcome', () =>
    withHarness(async (h) => {
      const { secret } = await key(h);
      await exchange(h, forKey(secret));
      await exchange(h, forKey(secret, { scope: 'other' }));
      await exchange(h, forKey(secret, { scope: 'other' }));
      const text = (await h.request({ method: 'GET', url: '/metrics' })).body;
      assert.match(text, /^tessera_token_exchanges_total\{outcome="issued"\} 1$/m);
      assert.match(text, /^tessera_token_exchanges_total\{outcome="invalid_scope"\} 2$/m);
    }));
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes one key before any exchange, cacheable for a minute, and the same key signs the first JWT', () =>
    withHarness(async (h) => {
      const res = await h.request({ method: 'GET', url: '/.well-known/jwks.json' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'public, max-age=60');
      const keys = res.json().keys;
      assert.equal(keys.length, 1);
      assert.deepEqual({ ...keys[0], x: undefined, kid: undefined }, { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', x: undefined, kid: undefined });
      assert.equal(Buffer.from(keys[0].x, 'base64url').length, 32);
      const { secret } = await key(h);
      assert.equal(decodeProtectedHeader((await exchange(h, forKey(secret))).json().access_token).kid, keys[0].kid);
      assert.ok(!JSON.stringify(res.json()).includes('"d"'), 'no private member');
    }));
});
