import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { CADDY, documentedConfig, gatewayMissing, NGINX, startCaddy, startNginx, withAddresses, type Gateway } from '../support/gateways.js';
import { sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/*
 * Real nginx (auth_request) and real Caddy (forward_auth) in front of a small upstream, asking a
 * real tessera process, each configured with the very blocks docs/gateways.md shows (read from the
 * page, with this test's ports in place of the page's).
 */

const REVOCATION_BOUND_MS = 1000;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request as an end client sends it, from `localAddress` (127.0.0.2: not the gateway's own address). */
function send(url: string, headers: Record<string, string> = {}, method = 'GET', localAddress = '127.0.0.2'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The upstream: it answers every request with the X-Tessera-* headers it was given, and its URL. */
async function echoUpstream(): Promise<{ server: Server; address: string }> {
  const server = createServer((req, res) => {
    const tessera = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-tessera-')));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ upstream: true, url: req.url, method: req.method, tessera }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, address: `127.0.0.1:${(server.address() as { port: number }).port}` };
}

interface Tessera {
  process: ServerProcess;
  admin: string;
  api(method: string, path: string, body?: unknown): Promise<any>;
}

async function startTessera(backend: ServerBackend): Promise<Tessera> {
  const admin = generateSecret('tsr', randomBytes);
  // The gateways reach tessera from 127.0.0.1; the clients come from 127.0.0.2.
  const process = await startServerProcess([...backend.args, '--log-level', 'warn'], {
    ...backend.env,
    TESSERA_BOOTSTRAP_TOKEN: admin,
    TESSERA_TRUST_PROXY: '127.0.0.1',
  });
  return {
    process,
    admin,
    async api(method, path, body) {
      const res = await fetch(`${process.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
  };
}

interface Setup {
  name: string;
  binary: string;
  /** The documented block this gateway runs with. */
  block: string;
  start(config: string): Promise<Gateway>;
  /** Whether this configuration copies every identity header and turns 429 into 429 (the nginx basic block does neither). */
  complete: boolean;
}

const SETUPS: Setup[] = [
  { name: 'nginx', binary: NGINX, block: 'nginx', start: startNginx, complete: true },
  { name: 'nginx', binary: NGINX, block: 'nginx-basic', start: startNginx, complete: false },
  { name: 'nginx', binary: NGINX, block: 'nginx-keepalive', start: startNginx, complete: false },
  { name: 'caddy', binary: CADDY, block: 'caddy', start: startCaddy, complete: true },
];

for (const setup of SETUPS) {
  const missing = gatewayMissing(setup.name, setup.binary);
  describe(`${setup.name} in front of an upstream, with docs/gateways.md's "${setup.block}" block`, { skip: missing ?? false }, () => {
    let tessera: Tessera;
    let backend: ServerBackend;
    let upstream: Awaited<ReturnType<typeof echoUpstream>>;
    let gateway: Gateway;

    const token = async (payload: object) => {
      const made = await tessera.api('POST', '/v1/tokens', { name: `gateway ${Math.random()}`, ...payload });
      return { id: made.token.id as string, secret: made.secret as string, owner: made.token.ownerUserId as string };
    };
    const balance = async (id: string) => (await tessera.api('GET', `/v1/tokens/${id}`)).token.credits as string;
    const through = (path: string, headers: Record<string, string> = {}, method = 'GET') => send(`${gateway.url}${path}`, headers, method);
    const upstreamSaw = (answer: Answer) => {
      assert.equal(answer.status, 200, `${answer.status} ${answer.body}\n${gateway.logs()}`);
      const seen = JSON.parse(answer.body);
      assert.equal(seen.upstream, true);
      return seen as { url: string; method: string; tessera: Record<string, string> };
    };

    before(async () => {
      backend = await sqliteBackend();
      tessera = await startTessera(backend);
      upstream = await echoUpstream();
      const config = withAddresses(documentedConfig(setup.block), new URL(tessera.process.url).host, upstream.address);
      gateway = await setup.start(config);
    });
    after(async () => {
      await gateway?.stop();
      upstream?.server.close();
      await tessera?.process.stop();
      await backend?.cleanup();
    });

    it('passes a good key to the upstream with who it is', async () => {
      const key = await token({ scopes: ['docs:read'], credits: '10' });
      const seen = upstreamSaw(await through('/items/7?page=2', { authorization: `Bearer ${key.secret}` }));
      assert.equal(seen.url, '/items/7?page=2');
      assert.equal(seen.tessera['x-tessera-token-id'], key.id);
      if (setup.complete) {
        assert.equal(seen.tessera['x-tessera-owner'], key.owner);
        assert.equal(seen.tessera['x-tessera-scopes'], 'docs:read');
        assert.equal(seen.tessera['x-tessera-remaining'], '9');
      }
      const viaApiKey = upstreamSaw(await through('/items', { 'x-api-key': key.secret }, 'POST'));
      assert.equal(viaApiKey.method, 'POST');
      assert.equal(viaApiKey.tessera['x-tessera-token-id'], key.id);
    });

    it('refuses a missing key with 401 and WWW-Authenticate, and an unknown or revoked one with 401', async () => {
      const none = await through('/items');
      assert.equal(none.status, 401);
      assert.match(String(none.headers['www-authenticate']), /^Bearer realm="tessera"/);
      assert.doesNotMatch(none.body, /"upstream"/);
      const key = await token({ scopes: ['docs:read'] });
      await tessera.api('POST', `/v1/tokens/${key.id}/revoke`);
      const revoked = await through('/items', { authorization: `Bearer ${key.secret}` });
      assert.equal(revoked.status, 401);
      assert.match(String(revoked.headers['www-authenticate']), /error="invalid_token"/);
      assert.equal((await through('/items', { authorization: `Bearer tsk_${'A'.repeat(36)}` })).status, 401);
    });

    it('refuses a key without the scope with 403', async () => {
      const key = await token({ scopes: ['docs:write'] });
      const res = await through('/items', { authorization: `Bearer ${key.secret}` });
      assert.equal(res.status, 403);
      assert.doesNotMatch(res.body, /"upstream"/);
    });

    it(setup.complete ? 'refuses a rate-limited key with 429 and Retry-After' : 'refuses a rate-limited key (nginx without the extras: 500)', async () => {
      const key = await token({ scopes: ['docs:read'], rateLimits: [{ name: 'per-minute', limit: 1, durationMs: 60_000 }] });
      upstreamSaw(await through('/items', { authorization: `Bearer ${key.secret}` }));
      const limited = await through('/items', { authorization: `Bearer ${key.secret}` });
      assert.doesNotMatch(limited.body, /"upstream"/);
      if (!setup.complete) {
        assert.equal(limited.status, 500, 'what the page says nginx makes of a 429 without the extras');
        return;
      }
      assert.equal(limited.status, 429, `${limited.body}\n${gateway.logs()}`);
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
      const exhausted = await token({ scopes: ['docs:read'], credits: '1' });
      upstreamSaw(await through('/items', { authorization: `Bearer ${exhausted.secret}` }));
      const broke = await through('/items', { authorization: `Bearer ${exhausted.secret}` });
      assert.equal(broke.status, 429);
      assert.ok(Number(broke.headers['retry-after']) >= 1);
    });

    it(`stops passing a key within ${REVOCATION_BOUND_MS} ms of its revocation`, async () => {
      const key = await token({ scopes: ['docs:read'] });
      upstreamSaw(await through('/items', { authorization: `Bearer ${key.secret}` }));
      await tessera.api('POST', `/v1/tokens/${key.id}/revoke`);
      const revokedAt = Date.now();
      let status = 0;
      while (Date.now() - revokedAt <= REVOCATION_BOUND_MS) {
        status = (await through('/items', { authorization: `Bearer ${key.secret}` })).status;
        if (status === 401) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(status, 401, `still ${status} ${Date.now() - revokedAt} ms after the revocation`);
    });

    it('lets no client lower its cost, drop a scope, or name requirements in headers', async () => {
      const key = await token({ scopes: ['docs:read'], credits: '10' });
      const auth = { authorization: `Bearer ${key.secret}` };
      const forged = {
        'x-forwarded-uri': '/v1/forward-auth?cost=0&scopes=',
        'x-forwarded-method': 'GET',
        'x-forwarded-host': 'evil',
        'x-original-uri': '/v1/forward-auth?cost=0&scopes=',
        'x-original-url': 'http://evil/v1/forward-auth?cost=0',
        'x-original-method': 'GET',
      };
      upstreamSaw(await through('/items?cost=0&scopes=', auth));
      upstreamSaw(await through('/items?cost=0&scopes=&rateLimit=none:0&keyHeader=x-forged', { ...auth, ...forged }));
      upstreamSaw(await through('/items;cost=0?cost=0', auth));
      assert.equal(await balance(key.id), '7', 'each request cost the one credit the configuration asks');
      // A key without the scope stays refused however the client words its request.
      const unscoped = await token({ credits: '10' });
      for (const path of ['/items?scopes=', '/items?scopes=&cost=0', '/v1/forward-auth?cost=0']) {
        const res = await through(path, { authorization: `Bearer ${unscoped.secret}`, ...forged });
        assert.equal(res.status, 403, `${path}: ${res.status} ${res.body}`);
      }
      assert.equal(await balance(unscoped.id), '10');
    });

    it('hands the upstream only identity headers from tessera, never ones the client forged', async () => {
      const key = await token({ scopes: ['docs:read'] });
      const seen = upstreamSaw(
        await through('/items', {
          authorization: `Bearer ${key.secret}`,
          'x-tessera-token-id': 'tok_forged',
          ...(setup.complete ? { 'x-tessera-team': 'team_forged', 'x-tessera-owner': 'usr_forged', 'x-tessera-remaining': '1000000' } : {}),
        }),
      );
      assert.equal(seen.tessera['x-tessera-token-id'], key.id);
      if (setup.complete) {
        assert.equal(seen.tessera['x-tessera-owner'], key.owner);
        assert.ok(!seen.tessera['x-tessera-team'], `no team, got ${seen.tessera['x-tessera-team']}`);
        assert.ok(!seen.tessera['x-tessera-remaining'], `an unmetered key, got ${seen.tessera['x-tessera-remaining']}`);
      }
    });

    it("checks IP allowlists against the client's address as the gateway saw it, not as the client wrote it", async () => {
      const local = await token({ scopes: ['docs:read'], ipAllowlist: ['127.0.0.2/32'] });
      upstreamSaw(await through('/items', { authorization: `Bearer ${local.secret}`, 'x-forwarded-for': '10.1.2.3' }));
      const elsewhere = await token({ scopes: ['docs:read'], ipAllowlist: ['10.0.0.0/8'] });
      const res = await through('/items', { authorization: `Bearer ${elsewhere.secret}`, 'x-forwarded-for': '10.1.2.3' });
      assert.equal(res.status, 403, res.body);
    });
  });
}
