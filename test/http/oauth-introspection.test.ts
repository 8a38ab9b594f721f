import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { before, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { generateSecret } from '../../src/core/secret.js';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logger.js';
import { describeEachApp, type Harness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

/*
 * POST /oauth/introspect (RFC 7662), POST /oauth/revoke (RFC 7009) and the RFC 8414 metadata, in
 * process, on every store. The world: alice (a member of team A, which olivia owns) and dave
 * (outside it); a gateway credential of alice's with only `oauth:introspect`.
 */

const FORM = 'application/x-www-form-urlencoded';

type Fields = Record<string, string>;

function form(url: string, fields: Fields | string, headers: Record<string, string> = {}): InjectOptions {
  const payload = typeof fields === 'string' ? fields : new URLSearchParams(fields).toString();
  return { method: 'POST', url, headers: { 'content-type': FORM, ...headers }, payload };
}

/** RFC 6749 §2.3.1: each part form-urlencoded, then base64 of `id:secret`. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const bearer = (secret: string) => `Bearer ${secret}`;

const seconds = (ms: number) => Math.floor(ms / 1000);

function assertOAuthError(res: LightMyRequestResponse, status: number, error: string, what = ''): void {
  assert.equal(res.statusCode, status, `${what}: ${res.body}`);
  const body = res.json();
  assert.equal(body.error, error, what);
  assert.equal(typeof body.error_description, 'string', what);
  assert.equal(res.headers['cache-control'], 'no-store', what);
  if (status === 401) assert.match(String(res.headers['www-authenticate']), /Basic realm="tessera"/, what);
}

await describeEachApp('OAuth introspection, revocation and metadata', (h: Harness) => {
  let alice: { id: string; secret: string };
  let olivia: { id: string; secret: string };
  let dave: { id: string; secret: string };
  let teamA: string;
  /** alice's gateway credential: a personal token with `oauth:introspect` and nothing else. */
  let gateway: { id: string; secret: string };
  let n = 0;
  const fresh = () => `oi-${++n}`;

  async function ok(options: InjectOptions & { as?: string }): Promise<any> {
    const res = await h.request(options);
    assert.ok(res.statusCode < 300, `setting up: ${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
    return res.json();
  }
  const tokenOf = async (as: string, payload: object = {}, query = '') =>
    (await ok({ method: 'POST', url: `/v1/tokens${query}`, as, payload: { name: fresh(), ...payload } })) as { secret: string; token: any };
  const verifyCode = async (secret: string) => (await ok({ method: 'POST', url: '/v1/verify', payload: { token: secret, cost: '0' } })).code as string;
  /** As the gateway's client unless told otherwise; `null`: with no credentials. */
  const introspect = (token: string, authorization: string | null = bearer(gateway.secret), extra: Fields = {}) =>
    h.request(form('/oauth/introspect', { token, ...extra }, authorization === null ? {} : { authorization }));
  const revoke = (token: string, authorization?: string, extra: Fields = {}) =>
    h.request(form('/oauth/revoke', { token, ...extra }, authorization === undefined ? {} : { authorization }));
  const revocations = async (targetId: string) => (await h.stores.audit.list({ limit: 100, targetId, action: 'token.revoke' })).items;

  before(async () => {
    [alice, olivia, dave] = (await Promise.all(['alice', 'olivia', 'dave'].map((name) => h.user(name)))) as [typeof alice, typeof alice, typeof alice];
    teamA = (await ok({ method: 'POST', url: '/v1/teams', as: olivia.secret, payload: { slug: 'oauth-team-a' } })).team.id;
    await ok({ method: 'POST', url: `/v1/teams/${teamA}/members`, as: olivia.secret, payload: { userId: alice.id, role: 'member' } });
    const made = await tokenOf(alice.secret, { type: 'personal', scopes: ['oauth:introspect'] });
    gateway = { id: made.token.id, secret: made.secret };
  });

  // ---- introspection ----------------------------------------------------------------------------

  it('answers an active token with RFC 7662 fields and tessera’s own, to a Bearer or a Basic client', async () => {
    const expiresAt = h.clock.now() + 3_600_500;
    const made = await tokenOf(alice.secret, { scopes: ['docs:read', 'docs:write'], expiresAt, teamId: teamA });
    const want = {
      active: true,
      scope: 'docs:read docs:write',
      client_id: made.token.id,
      sub: made.token.id,
      exp: seconds(expiresAt),
      iat: seconds(made.token.createdAt),
      iss: 'http://localhost:80',
      token_type: 'Bearer',
      tessera_token_type: 'api',
      name: made.token.name,
      owner: alice.id,
      team: teamA,
    };
    for (const authorization of [bearer(gateway.secret), basic(gateway.id, gateway.secret), `bAsIc  ${basic(gateway.id, gateway.secret).slice(6)}`]) {
      const res = await introspect(made.secret, authorization);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), want, authorization.slice(0, 6));
      assert.equal(res.headers['cache-control'], 'no-store');
    }
    // A hint of any kind changes nothing: tessera has one kind of token.
    for (const hint of ['access_token', 'refresh_token', 'urn:x:unknown']) {
      assert.deepEqual((await introspect(made.secret, bearer(gateway.secret), { token_type_hint: hint })).json(), want, hint);
    }
    // No expiry, no team: neither field.
    const plain = await tokenOf(alice.secret);
    const body = (await introspect(plain.secret)).json();
    assert.equal(body.active, true);
    assert.equal('exp' in body, false);
    assert.equal('team' in body, false);
    assert.equal(body.scope, '');
  });

  it('is exactly {"active": false} for a revoked, expired, unknown, mistyped or JWT-shaped token', async () => {
    const revoked = await tokenOf(alice.secret);
    await ok({ method: 'POST', url: `/v1/tokens/${revoked.token.id}/revoke`, as: alice.secret });
    const expiring = await tokenOf(alice.secret, { expiresAt: h.clock.now() + 1000 });
    assert.equal((await introspect(expiring.secret)).json().active, true);
    h.clock.advance(1500);
    const allowlisted = await tokenOf(alice.secret, { ipAllowlist: ['10.0.0.0/8'] });
    const inactive = {
      revoked: revoked.secret,
      expired: expiring.secret,
      unknown: generateSecret('tsk', (k) => randomBytes(k)),
      mistyped: `${revoked.secret.slice(0, -1)}x`,
      garbage: 'hello',
      jwt: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ0b2tfeCJ9.c2lnbmF0dXJl',
      // Verified at the caller's address, as /v1/verify does; the gateway's is 127.0.0.1.
      'outside its allowlist': allowlisted.secret,
    };
    for (const [what, secret] of Object.entries(inactive)) {
      const res = await introspect(secret);
      assert.equal(res.statusCode, 200, what);
      assert.equal(res.body, '{"active":false}', what);
    }
  });

  it('spends the token’s rate limits and charges no credits', async () => {
    const limited = await tokenOf(h.admin, { credits: '5', rateLimits: [{ name: 'minute', limit: 2, durationMs: 60_000 }] });
    assert.equal((await introspect(limited.secret)).json().active, true);
    assert.equal((await introspect(limited.secret)).json().active, true);
    assert.equal((await introspect(limited.secret)).body, '{"active":false}', 'the third call in the minute is past the limit');
    assert.equal(await verifyCode(limited.secret), 'RATE_LIMITED');
    const read = await ok({ method: 'GET', url: `/v1/tokens/${limited.token.id}`, as: h.admin });
    assert.equal(read.token.credits, '5');
    h.clock.advance(60_000);
    assert.equal((await introspect(limited.secret)).json().active, true);
  });

  it('refuses a client without credentials, with bad ones, or with an id and a secret of different tokens: 401 invalid_client', async () => {
    const other = await tokenOf(alice.secret, { type: 'personal', scopes: ['oauth:introspect'] });
    const target = (await tokenOf(alice.secret)).secret;
    const unknown = generateSecret('tsr', (k) => randomBytes(k));
    const cases: Array<[string, string | null]> = [
      ['no credentials', null],
      ['an unknown bearer', bearer(unknown)],
      ['the id of one token and the secret of another', basic(other.token.id, gateway.secret)],
      ['a right id and a wrong secret', basic(gateway.id, other.secret)],
      ['a right id and an unknown secret', basic(gateway.id, unknown)],
      ['Basic without a colon', `Basic ${Buffer.from(`${gateway.id}${gateway.secret}`).toString('base64')}`],
      ['Basic that is no base64', 'Basic !!!not-base64!!!'],
      ['Basic that is not UTF-8', `Basic ${Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`:${gateway.secret}`)]).toString('base64')}`],
      ['Basic with an empty id', `Basic ${Buffer.from(`:${gateway.secret}`).toString('base64')}`],
      ['Basic with an empty secret', `Basic ${Buffer.from(`${gateway.id}:`).toString('base64')}`],
      ['Basic with a broken escape', `Basic ${Buffer.from(`${gateway.id}%zz:${gateway.secret}`).toString('base64')}`],
      ['an empty Basic', 'Basic '],
      ['another scheme', `Token ${gateway.secret}`],
      ['a bare secret', gateway.secret],
    ];
    for (const [what, authorization] of cases) assertOAuthError(await introspect(target, authorization), 401, 'invalid_client', what);
  });

  it('refuses a credential that lacks oauth:introspect, or is no personal token: 403 in OAuth’s shape', async () => {
    const target = (await tokenOf(alice.secret)).secret;
    const narrow = await tokenOf(alice.secret, { type: 'personal', scopes: ['tokens:write'] });
    const api = await tokenOf(alice.secret);
    assertOAuthError(await introspect(target, bearer(narrow.secret)), 403, 'unauthorized_client', 'tokens:write only');
    assertOAuthError(await introspect(target, basic(narrow.token.id, narrow.secret)), 403, 'unauthorized_client', 'as Basic');
    assertOAuthError(await introspect(target, bearer(api.secret)), 403, 'unauthorized_client', 'an api token');
    // `*` and `oauth:*` grant it.
    const wide = await tokenOf(alice.secret, { type: 'personal', scopes: ['oauth:*'] });
    assert.equal((await introspect(target, bearer(wide.secret))).json().active, true);
    assert.equal((await introspect(target, bearer(alice.secret))).json().active, true);
  });

  // ---- revocation -----------------------------------------------------------------------------

  it('revokes a token its owner’s client names, and a team token its team owner’s client names; audited as theirs', async () => {
    const own = await tokenOf(alice.secret);
    const res = await revoke(own.secret, basic((await ok({ method: 'GET', url: '/v1/whoami', as: alice.secret })).token.id, alice.secret));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.body, '');
    assert.equal(await verifyCode(own.secret), 'REVOKED');
    const [event] = await revocations(own.token.id);
    assert.equal(event?.actorUserId, alice.id);

    const team = await tokenOf(alice.secret, {}, `?teamId=${teamA}`);
    assert.equal((await revoke(team.secret, bearer(olivia.secret), { token_type_hint: 'access_token' })).statusCode, 200);
    assert.equal(await verifyCode(team.secret), 'REVOKED');
    assert.equal((await revocations(team.token.id))[0]?.actorUserId, olivia.id);
  });

  it('leaves a token alone, silently, for a client that may not revoke it', async () => {
    const target = await tokenOf(alice.secret, {}, `?teamId=${teamA}`);
    const introspector = await tokenOf(alice.secret, { type: 'personal', scopes: ['oauth:introspect'] });
    const api = await tokenOf(alice.secret);
    const before = await storeSnapshot(h);
    for (const [who, authorization] of [
      ['an outsider', bearer(dave.secret)],
      ['an outsider as Basic', basic((await ok({ method: 'GET', url: '/v1/whoami', as: dave.secret })).token.id, dave.secret)],
      ['a client without tokens:write', bearer(introspector.secret)],
      ['an api token as the client', bearer(api.secret)],
    ] as const) {
      const res = await revoke(target.secret, authorization);
      assert.equal(res.statusCode, 200, `${who}: ${res.body}`);
      assert.equal(res.body, '', who);
    }
    assert.equal(await storeSnapshot(h), before);
    assert.equal(await verifyCode(target.secret), 'VALID');
  });

  it('revokes a token that presents itself, with no client credentials or as its own; audited as by possession', async () => {
    const api = await tokenOf(dave.secret);
    assert.equal((await revoke(api.secret)).statusCode, 200);
    assert.equal(await verifyCode(api.secret), 'REVOKED');
    const [event] = await revocations(api.token.id);
    assert.deepEqual([event?.actorTokenId, event?.actorUserId, event?.details], [api.token.id, dave.id, { by: 'possession' }]);
    // Again: the same answer, and no second revocation on record.
    assert.equal((await revoke(api.secret)).statusCode, 200);
    assert.equal((await revocations(api.token.id)).length, 1);

    const itself = await tokenOf(dave.secret);
    assert.equal((await revoke(itself.secret, bearer(itself.secret))).statusCode, 200);
    assert.equal(await verifyCode(itself.secret), 'REVOKED');
    const personal = await tokenOf(dave.secret, { type: 'personal', scopes: [] });
    assert.equal((await revoke(personal.secret, basic(personal.token.id, personal.secret))).statusCode, 200);
    assert.equal(await verifyCode(personal.secret), 'REVOKED');
  });

  it('answers 200 for an unknown or mistyped token and changes nothing', async () => {
    const before = await storeSnapshot(h);
    for (const token of [generateSecret('tsk', (k) => randomBytes(k)), 'not-a-token', 'x'.repeat(4096)]) {
      for (const authorization of [undefined, bearer(alice.secret)]) {
        const res = await revoke(token, authorization, { token_type_hint: 'whatever' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.body, '');
      }
    }
    assert.equal(await storeSnapshot(h), before);
  });

  it('refuses bad client credentials with 401 and revokes nothing, even a token that would present itself', async () => {
    const target = await tokenOf(alice.secret);
    const revokedClient = await tokenOf(alice.secret, { type: 'personal' });
    await ok({ method: 'POST', url: `/v1/tokens/${revokedClient.token.id}/revoke`, as: alice.secret });
    const before = await storeSnapshot(h);
    for (const [what, authorization] of [
      ['an unknown bearer', bearer(generateSecret('tsr', (k) => randomBytes(k)))],
      ['a revoked client', bearer(revokedClient.secret)],
      ['a wrong pairing', basic(gateway.id, alice.secret)],
      ['Basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`],
    ] as const) {
      assertOAuthError(await revoke(target.secret, authorization), 401, 'invalid_client', what);
    }
    assert.equal(await storeSnapshot(h), before);
    assert.equal(await verifyCode(target.secret), 'VALID');
  });

  // ---- bodies -------------------------------------------------------------------------------

  it('refuses bad bodies with 400, 413 or 415 in OAuth’s shape, and changes nothing', async () => {
    const target = await tokenOf(alice.secret);
    const auth = { authorization: bearer(alice.secret) };
    const before = await storeSnapshot(h);
    for (const url of ['/oauth/introspect', '/oauth/revoke']) {
      const cases: Array<[string, InjectOptions, number, string]> = [
        ['no token', form(url, {}, auth), 400, 'invalid_request'],
        ['an empty token', form(url, { token: '' }, auth), 400, 'invalid_request'],
        ['no body at all', { method: 'POST', url, headers: auth }, 400, 'invalid_request'],
        ['the token twice', form(url, `token=${target.secret}&token=${target.secret}`, auth), 400, 'invalid_request'],
        ['a NUL in the token', form(url, `token=${target.secret}%00`, auth), 400, 'invalid_request'],
        ['a token past 4096 characters', form(url, { token: 'x'.repeat(4097) }, auth), 400, 'invalid_request'],
        [
          'JSON',
          { method: 'POST', url, headers: { 'content-type': 'application/json', ...auth }, payload: JSON.stringify({ token: target.secret }) },
          415,
          'invalid_request',
        ],
        ['text/plain', { method: 'POST', url, headers: { 'content-type': 'text/plain', ...auth }, payload: `token=${target.secret}` }, 415, 'invalid_request'],
        ['latin1', form(url, { token: target.secret }, { ...auth, 'content-type': `${FORM}; charset=iso-8859-1` }), 415, 'invalid_request'],
        ['gzip', { ...form(url, '', { ...auth, 'content-encoding': 'gzip' }), payload: gzipSync(`token=${target.secret}`) }, 415, 'invalid_request'],
        ['over 100 kB', form(url, { token: target.secret, pad: 'x'.repeat(110_000) }, auth), 413, 'invalid_request'],
      ];
      for (const [what, options, status, error] of cases) assertOAuthError(await h.request(options), status, error, `${url}: ${what}`);
    }
    assert.equal(await storeSnapshot(h), before);
    assert.equal(await verifyCode(target.secret), 'VALID');
  });

  it('takes a form in UTF-8 however its type is spelled, and ignores fields it does not know', async () => {
    const target = await tokenOf(alice.secret);
    assert.equal((await introspect(target.secret, bearer(gateway.secret), { client_id: 'ignored', extra: 'x' })).json().active, true);
    for (const type of [`${FORM}; charset=UTF-8`, `${FORM};charset="utf-8"`, 'Application/X-WWW-Form-Urlencoded']) {
      const typed = await h.request(form('/oauth/introspect', { token: target.secret }, { authorization: bearer(gateway.secret), 'content-type': type }));
      assert.equal(typed.json().active, true, type);
    }
  });

  it('logs no secret: neither the token asked about nor the client’s, Basic or Bearer, even refused', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    // At debug, the most a log says: every request and its start.
    const app = await buildApp(h.services, { logger: { ...(loggerOptions('debug') as object), stream } as never });
    try {
      const target = await tokenOf(alice.secret);
      const held = await tokenOf(alice.secret);
      const requests = [
        form('/oauth/introspect', { token: target.secret }, { authorization: basic(gateway.id, gateway.secret) }),
        form('/oauth/introspect', { token: target.secret }, { authorization: basic(gateway.id, alice.secret) }),
        form('/oauth/introspect', `token=${target.secret}&token=${target.secret}`, { authorization: bearer(gateway.secret) }),
        form('/oauth/revoke', { token: target.secret }, { authorization: bearer(dave.secret) }),
        form('/oauth/revoke', { token: held.secret }),
      ];
      for (const options of requests) await app.inject(options);
      const text = lines.join('');
      assert.match(text, /"route":"\/oauth\/introspect"/);
      assert.match(text, new RegExp(gateway.id), 'the client is named by its token id');
      for (const secret of [target.secret, held.secret, gateway.secret, alice.secret, dave.secret]) {
        assert.equal(text.includes(secret), false, `a secret reached the log: ${secret.slice(0, 8)}…`);
      }
      for (const header of [basic(gateway.id, gateway.secret), basic(gateway.id, alice.secret)]) {
        assert.equal(text.includes(header.slice('Basic '.length)), false, 'a Basic header reached the log');
      }
    } finally {
      await app.close();
    }
  });

  // ---- metadata -------------------------------------------------------------------------------

  it('publishes RFC 8414 metadata naming this server, or TESSERA_PUBLIC_URL when set', async () => {
    const res = await h.request({ method: 'GET', url: '/.well-known/oauth-authorization-server', headers: { host: 'keys.local:8420' } });
    assert.equal(res.statusCode, 200);
    const issuer = 'http://keys.local:8420';
    assert.deepEqual(res.json(), {
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      token_endpoint_auth_methods_supported: ['none'],
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      revocation_endpoint: `${issuer}/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
      grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange'],
      response_types_supported: [],
      service_documentation: `${issuer}/docs`,
    });
    const configured = await buildApp(h.services, { publicUrl: 'https://keys.example.com/tessera' });
    try {
      const meta = (await configured.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      assert.equal(meta.issuer, 'https://keys.example.com/tessera');
      assert.equal(meta.introspection_endpoint, 'https://keys.example.com/tessera/oauth/introspect');
      const target = await tokenOf(alice.secret);
      const body = (await configured.inject(form('/oauth/introspect', { token: target.secret }, { authorization: bearer(gateway.secret) }))).json();
      assert.equal(body.iss, 'https://keys.example.com/tessera');
    } finally {
      await configured.close();
    }
  });

  it('documents the form bodies and the answers in /openapi.json', async () => {
    const spec = (await h.request({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/oauth/introspect', '/oauth/revoke']) {
      const op = spec.paths[path].post;
      assert.deepEqual(Object.keys(op.requestBody.content), [FORM], path);
      assert.deepEqual(op.requestBody.content[FORM].schema.required, ['token'], path);
      assert.ok(op.responses['401'].content['application/json'].schema.properties.error, path);
    }
    assert.deepEqual(spec.paths['/oauth/introspect'].post.security, [{ bearer: ['oauth:introspect'] }, { oauthClient: [] }]);
    assert.deepEqual(spec.paths['/oauth/revoke'].post.security, [{}, { bearer: ['tokens:write'] }, { oauthClient: [] }]);
    assert.equal(spec.paths['/oauth/revoke'].post.responses['200'].content, undefined, 'an empty body');
    assert.ok(spec.paths['/oauth/introspect'].post.responses['200'].content['application/json'].schema.properties.active);
    assert.deepEqual(spec.paths['/.well-known/oauth-authorization-server'].get.security, []);
    assert.equal(spec.components.securitySchemes.oauthClient.scheme, 'basic');
  });
});
