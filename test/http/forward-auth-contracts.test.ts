import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../support/app-harness.js';

/*
 * Traefik and Envoy have no Debian package to run here, so their side of forward-auth is written
 * down as they document it, and played against tessera over real HTTP:
 *
 * Traefik forwardAuth (doc.traefik.io, middlewares/http/forwardauth): a GET to `address` as
 * written, carrying the client's headers and X-Forwarded-Method, -Proto, -Host, -Uri and -For set
 * by Traefik (trustForwardHeader off: the client's own X-Forwarded-* are replaced). A 2XX grants
 * access, and the `authResponseHeaders` are copied onto the forwarded request, "replacing any
 * existing conflicting headers"; otherwise the auth server's response is returned to the client.
 *
 * Envoy HTTP ext_authz (envoyproxy.io, ext_authz filter and HttpService): the original method,
 * with `path_prefix` + the original path and query (or, from Envoy 1.38, `path_override` alone),
 * only the headers `allowed_headers` lets through (plus Host, Method, Path, Content-Length), and
 * with `with_request_body` the body. 200 allows, and headers matching `allowed_upstream_headers`
 * override the upstream request's; any other status denies, and is sent to the client with the
 * headers `allowed_client_headers` names and the body.
 */

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}
interface Got {
  status: number;
  headers: Headers;
  body: string;
}

async function call(base: string, { method, url, headers, body }: Sent): Promise<Got> {
  const res = await fetch(base + url, { method, headers, body });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** Traefik's forwardAuth, as documented: either the request the upstream gets, or the answer the client gets. */
async function traefik(
  tessera: string,
  config: { address: string; authResponseHeaders: string[] },
  client: Sent & { ip: string },
): Promise<{ upstream: Record<string, string> } | { client: Got }> {
  const url = new URL(config.address);
  const headers: Record<string, string> = { ...client.headers };
  for (const name of Object.keys(headers)) if (/^x-forwarded-/i.test(name)) delete headers[name];
  Object.assign(headers, {
    'x-forwarded-method': client.method,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'api.example.com',
    'x-forwarded-uri': client.url,
    'x-forwarded-for': client.ip,
  });
  const auth = await call(tessera, { method: 'GET', url: url.pathname + url.search, headers });
  if (auth.status < 200 || auth.status > 299) return { client: auth };
  const upstream: Record<string, string> = { ...client.headers };
  for (const name of config.authResponseHeaders) {
    const key = name.toLowerCase();
    delete upstream[key];
    const value = auth.headers.get(key);
    if (value !== null) upstream[key] = value;
  }
  return { upstream };
}

/** Envoy's HTTP ext_authz, as documented. */
async function envoy(
  tessera: string,
  config: { pathPrefix?: string; pathOverride?: string; allowedHeaders: string[]; upstreamPrefix: string; clientHeaders: string[]; withBody: boolean },
  client: Sent,
): Promise<{ upstream: Record<string, string> } | { client: Got }> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(client.headers)) if (config.allowedHeaders.includes(name.toLowerCase())) headers[name] = value;
  const url = config.pathOverride ?? `${config.pathPrefix}${client.url}`;
  const body = config.withBody ? client.body : undefined;
  if (body !== undefined && client.headers['content-type']) headers['content-type'] = client.headers['content-type'];
  const auth = await call(tessera, { method: client.method, url, headers, body });
  if (auth.status !== 200) {
    const passed = new Headers();
    for (const name of config.clientHeaders) {
      const value = auth.headers.get(name);
      if (value !== null) passed.set(name, value);
    }
    return { client: { status: auth.status, headers: passed, body: auth.body } };
  }
  const upstream: Record<string, string> = { ...client.headers };
  auth.headers.forEach((value, name) => {
    if (name.startsWith(config.upstreamPrefix)) upstream[name] = value;
  });
  return { upstream };
}

const IDENTITY = ['X-Tessera-Token-Id', 'X-Tessera-Owner', 'X-Tessera-Team', 'X-Tessera-Scopes', 'X-Tessera-Remaining'];

describe('forward-auth contracts: Traefik forwardAuth and Envoy HTTP ext_authz, as their documentation describes them', () => {
  let h: Harness;
  let base: string;
  const token = async (payload: object) => {
    const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: `contract ${Math.random()}`, ...payload } });
    assert.equal(res.statusCode, 201, res.body);
    return { id: res.json().token.id as string, secret: res.json().secret as string };
  };
  const balance = async (id: string) => (await h.request({ method: 'GET', url: `/v1/tokens/${id}`, as: h.admin })).json().token.credits;

  before(async () => {
    h = await startHarness();
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => h.close());

  describe('Traefik', () => {
    const config = { address: 'http://tessera:7070/v1/forward-auth?scopes=docs:read&cost=1', authResponseHeaders: IDENTITY };

    it('grants a good key, and the upstream gets the identity headers in place of any the client sent', async () => {
      const key = await token({ scopes: ['docs:read'], credits: '5' });
      const result = await traefik(base, config, {
        method: 'DELETE',
        url: '/items/7?cost=0&scopes=',
        ip: '203.0.113.9',
        headers: { authorization: `Bearer ${key.secret}`, 'x-tessera-token-id': 'tok_forged', 'x-tessera-team': 'team_forged', 'x-forwarded-uri': '/?cost=0' },
      });
      assert.ok('upstream' in result, JSON.stringify(result));
      assert.equal(result.upstream['x-tessera-token-id'], key.id);
      assert.equal(result.upstream['x-tessera-team'], '', "replaced by tessera's empty one");
      assert.equal(result.upstream['x-tessera-remaining'], '4');
      assert.equal(await balance(key.id), '4', "the cost in the address, not the one in the client's URI");
    });

    it("returns tessera's refusals to the client as they are: 401 with WWW-Authenticate, 403, 429 with Retry-After", async () => {
      const missing = await traefik(base, config, { method: 'GET', url: '/items', ip: '203.0.113.9', headers: {} });
      assert.ok('client' in missing);
      assert.equal(missing.client.status, 401);
      assert.match(missing.client.headers.get('www-authenticate')!, /^Bearer realm="tessera"/);
      const unscoped = await token({ scopes: ['docs:write'] });
      const forbidden = await traefik(base, config, { method: 'GET', url: '/items', ip: '203.0.113.9', headers: { 'x-api-key': unscoped.secret } });
      assert.ok('client' in forbidden);
      assert.equal(forbidden.client.status, 403);
      assert.equal(forbidden.client.headers.get('x-tessera-code'), 'INSUFFICIENT_PERMISSIONS');
      const broke = await token({ scopes: ['docs:read'], credits: '0' });
      const limited = await traefik(base, config, { method: 'GET', url: '/items', ip: '203.0.113.9', headers: { authorization: `Bearer ${broke.secret}` } });
      assert.ok('client' in limited);
      assert.equal(limited.client.status, 429);
      assert.ok(Number(limited.client.headers.get('retry-after')) >= 1);
      assert.equal(JSON.parse(limited.client.body).error.code, 'RATE_LIMITED');
    });
  });

  describe('Envoy', () => {
    const common = {
      allowedHeaders: ['authorization', 'x-api-key'],
      upstreamPrefix: 'x-tessera-',
      clientHeaders: ['www-authenticate', 'retry-after', 'x-tessera-code'],
      withBody: true,
    };

    it('path_override: the original method and body, requirements from the fixed URL; 200 allows with the identity headers', async () => {
      const key = await token({ scopes: ['docs:read'], credits: '5' });
      const result = await envoy(
        base,
        { ...common, pathOverride: '/v1/forward-auth?scopes=docs:read&cost=2' },
        {
          method: 'PUT',
          url: '/items/7?cost=0',
          headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/xml', 'x-tessera-token-id': 'tok_forged' },
          body: '<item cost="0"/>',
        },
      );
      assert.ok('upstream' in result, JSON.stringify(result));
      assert.equal(result.upstream['x-tessera-token-id'], key.id);
      assert.equal(result.upstream['x-tessera-scopes'], 'docs:read');
      assert.equal(await balance(key.id), '3');
    });

    it("denies with tessera's status, and only the client headers Envoy is told to pass", async () => {
      const unscoped = await token({ scopes: ['other'] });
      const denied = await envoy(
        base,
        { ...common, pathOverride: '/v1/forward-auth?scopes=docs:read' },
        { method: 'POST', url: '/items', headers: { 'x-api-key': unscoped.secret, 'content-type': 'application/json' }, body: '{"scopes":[]}' },
      );
      assert.ok('client' in denied);
      assert.equal(denied.client.status, 403);
      assert.equal(denied.client.headers.get('x-tessera-code'), 'INSUFFICIENT_PERMISSIONS');
      const missing = await envoy(base, { ...common, pathOverride: '/v1/forward-auth' }, { method: 'GET', url: '/items', headers: {} });
      assert.ok('client' in missing);
      assert.equal(missing.client.status, 401);
      assert.match(missing.client.headers.get('www-authenticate')!, /^Bearer/);
    });

    it('path_prefix: the client wrote what follows the prefix, so nothing in it is a requirement', async () => {
      const key = await token({ scopes: ['docs:read'], credits: '5' });
      for (const method of ['GET', 'DELETE', 'PATCH', 'OPTIONS']) {
        const result = await envoy(
          base,
          { ...common, pathPrefix: '/v1/forward-auth' },
          {
            method,
            url: '/api/items?cost=0&scopes=admin&keyHeader=x-evil',
            headers: { authorization: `Bearer ${key.secret}` },
            body: method === 'PATCH' ? 'raw' : undefined,
          },
        );
        assert.ok('upstream' in result, `${method}: ${JSON.stringify(result)}`);
        assert.equal(result.upstream['x-tessera-token-id'], key.id);
      }
      assert.equal(await balance(key.id), '1', 'each request cost the default credit, whatever its query said');
    });
  });
});
