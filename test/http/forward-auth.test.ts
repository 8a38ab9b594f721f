import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { serverConfig } from '../../src/server/server-config.js';
import { describeEachApp, startHarness, type Harness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

/** The headers a gateway copies to the upstream, or reads to refuse. */
const IDENTITY = ['x-tessera-token-id', 'x-tessera-owner', 'x-tessera-team', 'x-tessera-scopes', 'x-tessera-remaining'];

async function makeToken(h: Harness, payload: object, query = ''): Promise<{ id: string; secret: string; ownerUserId: string; teamId: string | null }> {
  const res = await h.request({ method: 'POST', url: `/v1/tokens${query}`, as: h.admin, payload: { name: `fa ${Math.random()}`, ...payload } });
  assert.equal(res.statusCode, 201, res.body);
  const { token, secret } = res.json();
  return { id: token.id, secret, ownerUserId: token.ownerUserId, teamId: token.teamId };
}

async function balanceOf(h: Harness, id: string): Promise<string> {
  return (await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin })).json().token.credits;
}

function forwardAuth(h: Harness, url: string, headers: Record<string, string> = {}, extra: Partial<InjectOptions> = {}): Promise<LightMyRequestResponse> {
  return h.request({ method: 'GET', url, headers, ...extra });
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

await describeEachApp('forward-auth: one endpoint for gateways', (h) => {
  describe('passing', () => {
    it('passes a good key with 200, an empty body and who it is for the upstream', async () => {
      const token = await makeToken(h, { scopes: ['docs:read', 'docs:write'] });
      const res = await forwardAuth(h, '/v1/forward-auth?scopes=docs:read', bearer(token.secret));
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, '');
      assert.equal(res.headers['x-tessera-token-id'], token.id);
      assert.equal(res.headers['x-tessera-owner'], token.ownerUserId);
      assert.equal(res.headers['x-tessera-team'], '');
      assert.equal(res.headers['x-tessera-scopes'], 'docs:read docs:write');
      assert.equal(res.headers['x-tessera-remaining'], '', 'an unmetered key has no credits to tell');
      assert.equal(res.headers['x-tessera-code'], undefined);
    });

    it("names the key's team", async () => {
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: `fa-team-${Date.now()}` } })).json().team.id;
      const token = await makeToken(h, {}, `?teamId=${team}`);
      const res = await forwardAuth(h, '/v1/forward-auth', bearer(token.secret));
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-tessera-team'], team);
    });

    it('takes every method a gateway sends, and any path after /v1/forward-auth/', async () => {
      const token = await makeToken(h, {});
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
        for (const url of ['/v1/forward-auth', '/v1/forward-auth/', '/v1/forward-auth/api/v2/items/7', '/v1/forward-auth/a%2Fb/c?page=2&x=%00']) {
          if (url.includes('%00')) continue;
          const res = await forwardAuth(h, url, bearer(token.secret), { method });
          assert.equal(res.statusCode, 200, `${method} ${url}: ${res.body}`);
          assert.equal(res.headers['x-tessera-token-id'], token.id, `${method} ${url}`);
        }
      }
    });

    it('ignores request bodies of any type, encoding or size (Envoy may send the original one)', async () => {
      const token = await makeToken(h, {});
      const bodies: Array<[Record<string, string>, string | Buffer]> = [
        [{ 'content-type': 'application/json' }, '{"not": json'],
        [{ 'content-type': 'text/xml' }, '<a/>'],
        [{ 'content-type': 'application/x-www-form-urlencoded' }, 'cost=0&scopes='],
        [{ 'content-type': 'application/json', 'content-encoding': 'gzip' }, Buffer.from([0x1f, 0x8b, 0, 1, 2])],
        [{}, 'no type at all'],
        [{ 'content-type': 'application/octet-stream' }, Buffer.alloc(300 * 1024, 7)],
      ];
      for (const [headers, payload] of bodies) {
        for (const url of ['/v1/forward-auth', '/v1/forward-auth/upload']) {
          const res = await forwardAuth(h, url, { ...bearer(token.secret), ...headers }, { method: 'POST', payload });
          assert.equal(res.statusCode, 200, `${JSON.stringify(headers)} to ${url}: ${res.body}`);
        }
      }
    });
  });

  describe('where the key comes from', () => {
    it('reads Authorization: Bearer (any case), else X-Api-Key, else the header keyHeader names', async () => {
      const token = await makeToken(h, {});
      for (const headers of [
        { authorization: `Bearer ${token.secret}` } as Record<string, string>,
        { authorization: `bearer   ${token.secret}` },
        { 'x-api-key': token.secret },
        // A credential of another scheme is the upstream's business: the key is looked for further on.
        { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': token.secret },
      ]) {
        const res = await forwardAuth(h, '/v1/forward-auth', headers);
        assert.equal(res.statusCode, 200, JSON.stringify(Object.keys(headers)));
      }
      const custom = await forwardAuth(h, '/v1/forward-auth?keyHeader=X-Service-Key', { 'x-service-key': token.secret });
      assert.equal(custom.statusCode, 200);
      assert.equal(custom.headers['x-tessera-token-id'], token.id);
      // Only a header the operator named: a client cannot pick where its key is read from.
      const unnamed = await forwardAuth(h, '/v1/forward-auth', { 'x-service-key': token.secret });
      assert.equal(unnamed.statusCode, 401);
      assert.equal(unnamed.headers['x-tessera-code'], 'MISSING_KEY');
    });

    it('prefers the bearer token to X-Api-Key, and X-Api-Key to the named header', async () => {
      const good = await makeToken(h, {});
      const res = await forwardAuth(h, '/v1/forward-auth?keyHeader=x-other', {
        ...bearer('tsk_not_a_real_key'),
        'x-api-key': good.secret,
        'x-other': good.secret,
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['x-tessera-code'], 'NOT_FOUND');
      const second = await forwardAuth(h, '/v1/forward-auth?keyHeader=x-other', { 'x-api-key': 'nope', 'x-other': good.secret });
      assert.equal(second.headers['x-tessera-code'], 'NOT_FOUND');
    });
  });

  describe('refusals', () => {
    it('no key: 401 with WWW-Authenticate and no error code (RFC 6750 §3.1)', async () => {
      const res = await forwardAuth(h, '/v1/forward-auth');
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="tessera"');
      assert.equal(res.headers['x-tessera-code'], 'MISSING_KEY');
      assert.equal(res.json().error.code, 'UNAUTHORIZED');
      assert.equal(res.json().error.requestId, res.headers['x-request-id']);
    });

    it('unknown, revoked and expired keys: 401 invalid_token, saying which', async () => {
      const revoked = await makeToken(h, {});
      await h.request({ method: 'POST', url: `/v1/tokens/${revoked.id}/revoke`, as: h.admin });
      const expiring = await makeToken(h, { expiresAt: h.clock.now() + 1000 });
      h.clock.advance(2000);
      const made = await makeToken(h, {});
      // One character changed: the same shape, another secret (never the same one, whatever that character was).
      const unknown = made.secret.slice(0, -8) + (made.secret.at(-8) === 'A' ? 'B' : 'A') + made.secret.slice(-7);
      for (const [secret, code] of [
        [unknown, 'NOT_FOUND'],
        ['tsk_' + 'x'.repeat(36), 'NOT_FOUND'],
        [revoked.secret, 'REVOKED'],
        [expiring.secret, 'EXPIRED'],
      ] as const) {
        const res = await forwardAuth(h, '/v1/forward-auth', bearer(secret));
        assert.equal(res.statusCode, 401, code);
        assert.equal(res.headers['www-authenticate'], 'Bearer realm="tessera", error="invalid_token"');
        assert.equal(res.headers['x-tessera-code'], code);
        assert.equal(res.json().error.code, 'UNAUTHORIZED');
        for (const name of IDENTITY) assert.equal(res.headers[name], undefined, `${code}: no ${name}`);
      }
    });

    it('a scope, resource, environment or project the key lacks: 403 INSUFFICIENT_PERMISSIONS', async () => {
      const token = await makeToken(h, { scopes: ['docs:read', 'files:*'], environment: 'production', projects: ['alpha'] });
      const cases: Array<[string, number]> = [
        ['scopes=docs:read', 200],
        ['scopes=docs:read,files:put', 200],
        ['scopes=docs:read+files:put', 200],
        ['scopes=docs:read%20files:put', 200],
        ['scopes=docs:read&scopes=files:get', 200],
        ['scopes=docs:write', 403],
        ['scopes=docs:read,docs:write', 403],
        ['scopes=docs:read&scopes=docs:write', 403],
        ['environment=production', 200],
        ['environment=staging', 403],
        ['project=alpha', 200],
        ['project=beta', 403],
        ['resource=edge-config:ecfg_1', 403],
      ];
      for (const [query, status] of cases) {
        const res = await forwardAuth(h, `/v1/forward-auth?${query}`, bearer(token.secret));
        assert.equal(res.statusCode, status, query);
        if (status === 403) {
          assert.equal(res.headers['x-tessera-code'], 'INSUFFICIENT_PERMISSIONS', query);
          assert.equal(res.json().error.code, 'FORBIDDEN');
        }
      }
      const forResource = await makeToken(h, { resource: { kind: 'bucket', id: 'b:1' } });
      assert.equal((await forwardAuth(h, '/v1/forward-auth?resource=bucket:b:1', bearer(forResource.secret))).statusCode, 200);
      assert.equal((await forwardAuth(h, '/v1/forward-auth?resource=bucket:b:2', bearer(forResource.secret))).statusCode, 403);
    });

    it("an end client outside the key's allowlist: 403 FORBIDDEN", async () => {
      const token = await makeToken(h, { ipAllowlist: ['10.0.0.0/8'] });
      const inside = await forwardAuth(h, '/v1/forward-auth', bearer(token.secret), { remoteAddress: '10.1.2.3' });
      assert.equal(inside.statusCode, 200);
      const outside = await forwardAuth(h, '/v1/forward-auth', bearer(token.secret), { remoteAddress: '192.0.2.1' });
      assert.equal(outside.statusCode, 403);
      assert.equal(outside.headers['x-tessera-code'], 'FORBIDDEN');
    });
  });

  describe('credits and rate limits, as in /v1/verify', () => {
    it('charges the query cost once per call, tells what is left, and refuses with 429 USAGE_EXCEEDED', async () => {
      const token = await makeToken(h, { credits: '3' });
      const first = await forwardAuth(h, '/v1/forward-auth', bearer(token.secret));
      assert.equal(first.headers['x-tessera-remaining'], '2', 'the default cost is one credit');
      assert.equal(await balanceOf(h, token.id), '2');
      const free = await forwardAuth(h, '/v1/forward-auth?cost=0', bearer(token.secret), { method: 'HEAD' });
      assert.equal(free.statusCode, 200);
      assert.equal(await balanceOf(h, token.id), '2', 'cost=0 checks without charging');
      const half = await forwardAuth(h, '/v1/forward-auth?cost=1.5', bearer(token.secret), { method: 'POST', payload: 'x' });
      assert.equal(half.headers['x-tessera-remaining'], '0.5');
      assert.equal(await balanceOf(h, token.id), '0.5');
      const refused = await forwardAuth(h, '/v1/forward-auth?cost=1', bearer(token.secret));
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['x-tessera-code'], 'USAGE_EXCEEDED');
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      assert.equal(refused.json().error.code, 'RATE_LIMITED');
      assert.equal(await balanceOf(h, token.id), '0.5', 'a refusal charges nothing');
    });

    it('the path form charges the default cost, whatever query the client put after it', async () => {
      const token = await makeToken(h, { credits: '10', scopes: ['docs:read'] });
      const res = await forwardAuth(h, '/v1/forward-auth/api/items?cost=0&scopes=&rateLimit=none:0&keyHeader=x', bearer(token.secret));
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(await balanceOf(h, token.id), '9');
    });

    it('spends rate limits (all by default, or those the query names) and refuses with 429 RATE_LIMITED and Retry-After', async () => {
      const token = await makeToken(h, {
        rateLimits: [
          { name: 'per-minute', limit: 3, durationMs: 60_000 },
          { name: 'per-hour', limit: 100, durationMs: 3_600_000 },
        ],
      });
      const first = await forwardAuth(h, '/v1/forward-auth', bearer(token.secret));
      assert.equal(first.statusCode, 200);
      assert.equal(first.headers['ratelimit-limit'], '3');
      assert.equal(first.headers['ratelimit-remaining'], '2');
      // Only the hourly limit: the minute's stays as it was.
      const hourly = await forwardAuth(h, '/v1/forward-auth?rateLimit=per-hour:10', bearer(token.secret));
      assert.equal(hourly.statusCode, 200);
      assert.equal(hourly.headers['ratelimit-limit'], '100');
      assert.equal(hourly.headers['ratelimit-remaining'], '89');
      const two = await forwardAuth(h, '/v1/forward-auth?rateLimit=per-minute:2', bearer(token.secret));
      assert.equal(two.statusCode, 200);
      assert.equal(two.headers['ratelimit-remaining'], '0');
      const refused = await forwardAuth(h, '/v1/forward-auth', bearer(token.secret));
      assert.equal(refused.statusCode, 429);
      assert.equal(refused.headers['x-tessera-code'], 'RATE_LIMITED');
      assert.equal(refused.json().error.code, 'RATE_LIMITED');
      const retryAfter = Number(refused.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 20, `one request's worth of a 3-a-minute limit comes back in 20 s, got ${retryAfter}`);
      h.clock.advance(retryAfter * 1000);
      assert.equal((await forwardAuth(h, '/v1/forward-auth', bearer(token.secret))).statusCode, 200, 'passes again after Retry-After');
    });
  });

  describe('the query is the only source of requirements', () => {
    it('headers that describe the original request change nothing: not the cost, not the scopes', async () => {
      const token = await makeToken(h, { credits: '10', scopes: ['docs:read'] });
      const original = {
        'x-forwarded-method': 'GET',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
        'x-forwarded-uri': '/docs?cost=0&scopes=',
        'x-original-uri': '/docs?cost=0&scopes=',
        'x-original-url': 'https://api.example.com/docs?cost=0',
        'x-original-method': 'GET',
      };
      const res = await forwardAuth(h, '/v1/forward-auth?scopes=docs:write&cost=2', { ...bearer(token.secret), ...original });
      assert.equal(res.statusCode, 403, 'the scope the query requires is still required');
      const paid = await forwardAuth(h, '/v1/forward-auth?scopes=docs:read&cost=2', { ...bearer(token.secret), ...original });
      assert.equal(paid.statusCode, 200);
      assert.equal(await balanceOf(h, token.id), '8', 'the query cost is charged');
    });

    it('refuses a bad query with 400 naming it, and changes nothing', async () => {
      const token = await makeToken(h, { credits: '5', rateLimits: [{ name: 'rl', limit: 5, durationMs: 60_000 }] });
      const snapshot = await storeSnapshot(h);
      for (const query of [
        'cost=-1',
        'cost=abc',
        'cost=1&cost=0',
        'cost=10000000000',
        'scopes=',
        'scopes=,',
        'scopes=docs%3Aread%00',
        'scopes=a*b',
        `scopes=${'a,'.repeat(101)}a`,
        'resource=bucket',
        'resource=:id',
        'environment=',
        'environment=a&environment=b',
        'project=',
        'rateLimit=',
        'rateLimit=rl:1000000001',
        'rateLimit=r%20l',
        `rateLimit=${'r'.repeat(65)}`,
        'keyHeader=x%20y',
        'keyHeader=',
        'scope=docs:read',
        'token=x',
      ]) {
        const res = await forwardAuth(h, `/v1/forward-auth?${query}`, bearer(token.secret));
        assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
        assert.equal(res.json().error.code, 'VALIDATION_ERROR', query);
        assert.equal(res.headers['x-tessera-code'], 'VALIDATION_ERROR', query);
      }
      assert.equal(await storeSnapshot(h), snapshot, 'nothing changed');
      assert.equal(await balanceOf(h, token.id), '5');
    });
  });

  it('is counted in /metrics under its route pattern, never its URL', async () => {
    const token = await makeToken(h, {});
    await forwardAuth(h, '/v1/forward-auth/secret-path?token=hush', bearer(token.secret));
    const metrics = (await h.request({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /tessera_http_requests_total\{[^}]*route="\/v1\/forward-auth\/\*"/);
    assert.doesNotMatch(metrics, /secret-path|hush/);
  });
});

describe('forward-auth: the end client is request.ip, under TESSERA_TRUST_PROXY only', () => {
  let h: Harness;
  const apps: FastifyInstance[] = [];
  let allowlisted: string;
  before(async () => {
    h = await startHarness(undefined, { failedAttemptsPerMinute: 3 });
    allowlisted = (await makeToken(h, { ipAllowlist: ['10.0.0.0/8'] })).secret;
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await h.close();
  });

  async function behind(setting: string): Promise<FastifyInstance> {
    const app = await buildApp(h.services, { trustProxy: serverConfig({}, { TESSERA_TRUST_PROXY: setting }).trustProxy });
    apps.push(app);
    return app;
  }

  const ask = (app: FastifyInstance, peer: string, forwardedFor: string | undefined, secret = allowlisted) =>
    app.inject({
      method: 'GET',
      url: '/v1/forward-auth',
      remoteAddress: peer,
      headers: { authorization: `Bearer ${secret}`, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    });

  it('trusting no proxy, a client cannot name its own address in X-Forwarded-For', async () => {
    const app = await behind('');
    assert.equal((await ask(app, '192.0.2.9', '10.1.2.3')).statusCode, 403);
    assert.equal((await ask(app, '10.9.9.9', '192.0.2.9')).statusCode, 200, 'the peer is the client');
  });

  it("behind a trusted gateway, the address the gateway saw is the client's, not one the client wrote before it", async () => {
    const app = await behind('127.0.0.1');
    assert.equal((await ask(app, '127.0.0.1', '10.1.2.3')).statusCode, 200);
    assert.equal((await ask(app, '127.0.0.1', '10.1.2.3, 192.0.2.9')).statusCode, 403, 'the client wrote 10.1.2.3; the gateway saw 192.0.2.9');
    assert.equal((await ask(app, '192.0.2.50', '10.1.2.3')).statusCode, 403, 'an untrusted peer is not believed');
  });

  it('guards against guessing per end client behind the gateway: one guesser is locked out, its neighbours are not', async () => {
    const app = await behind('127.0.0.1');
    const guess = 'tsk_' + 'A'.repeat(36);
    for (let i = 0; i < 3; i++) assert.equal((await ask(app, '127.0.0.1', '10.6.6.6', guess)).statusCode, 401);
    const locked = await ask(app, '127.0.0.1', '10.6.6.6');
    assert.equal(locked.statusCode, 429, 'the guesser is refused even with a good key');
    assert.equal(locked.headers['x-tessera-code'], 'RATE_LIMITED');
    assert.ok(Number(locked.headers['retry-after']) >= 1);
    assert.equal((await ask(app, '127.0.0.1', '10.7.7.7')).statusCode, 200, 'another client of the same gateway still passes');
  });
});

describe('forward-auth: hostile requests over a socket', () => {
  let h: Harness;
  let port: number;
  let secret: string;
  before(async () => {
    h = await startHarness();
    secret = (await makeToken(h, {})).secret;
    port = Number(new URL(await h.app.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  after(() => h.close());

  /** Sends `head` (the request line and headers, as written) and reads the status of the answer. */
  function raw(head: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
      socket.on('error', reject);
      socket.write(`${head}Host: x\r\nConnection: close\r\n\r\n`);
    });
  }

  it('refuses a key sent twice, in one header or two, whichever copy is good', async () => {
    for (const head of [
      `GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\nAuthorization: Bearer tsk_x\r\n`,
      `GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer tsk_x\r\nauthorization: Bearer ${secret}\r\n`,
      `GET /v1/forward-auth HTTP/1.1\r\nX-Api-Key: ${secret}\r\nX-API-KEY: ${secret}\r\n`,
      `GET /v1/forward-auth?keyHeader=x-k HTTP/1.1\r\nX-K: ${secret}\r\nX-K: ${secret}\r\n`,
    ]) {
      const res = await raw(head);
      assert.equal(res.status, 401, head);
      assert.match(res.text, /x-tessera-code: AMBIGUOUS_KEY/i);
    }
    assert.equal(
      (await raw(`GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\nX-Api-Key: ${secret}\r\n`)).status,
      200,
      'two sources: the first wins',
    );
  });

  it('answers odd and huge headers with a 4xx, never a pass or a 5xx', async () => {
    for (const [head, want] of [
      [`GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer\r\n`, 401],
      [`GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer ${secret} extra\r\n`, 401],
      [`GET /v1/forward-auth HTTP/1.1\r\nAuthorization: ${secret}\r\n`, 401],
      [`GET /v1/forward-auth HTTP/1.1\r\nX-Api-Key: \r\n`, 401],
      [`GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer ${'A'.repeat(10_000)}\r\n`, 401],
      [`GET /v1/forward-auth HTTP/1.1\r\nX-Api-Key: ${'é'.repeat(100)}\r\n`, 401],
      [`GET /v1/forward-auth HTTP/1.1\r\nAuthorization: Bearer ${'A'.repeat(20_000)}\r\n`, 431],
      [`GET /v1/forward-auth?scopes=${'a'.repeat(2001)} HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\n`, 400],
      [`GET /v1/forward-auth?keyHeader=%00 HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\n`, 400],
      [`GET /v1/forward-auth?cost=%ZZ HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\n`, 400],
    ] as const) {
      const res = await raw(head);
      assert.equal(res.status, want, head.slice(0, 120));
    }
  });
});
