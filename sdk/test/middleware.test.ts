import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { sqliteBackend, type ServerBackend } from '../../test/support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../../test/support/server-process.js';
import { FRAMEWORKS, type RouteSpec, type RunningApp } from './framework-apps.js';
import { fetchVerifier, recording } from './fetch-verifier.js';

/** The keys each framework's run gets, made fresh through tessera's API (rate limits and credits are spent). */
const KEY_BODIES = {
  valid: { scopes: ['docs:read'] },
  revoked: { scopes: ['docs:read'] },
  wrongScope: { scopes: ['billing:read'] },
  limited: { scopes: ['docs:read'], rateLimits: [{ name: 'burst', limit: 1, durationMs: 60_000 }] },
  rich: { credits: '10' },
  poor: { credits: '1' },
  allowlisted: { ipAllowlist: ['10.0.0.0/8'] },
} as const;
type KeyName = keyof typeof KEY_BODIES;
type Keys = Record<KeyName, { id: string; secret: string }>;

interface Case {
  name: string;
  path: string;
  /** A key made for the run, a made-up one, or none. */
  key: KeyName | 'unknown' | 'none';
  via?: 'query';
  forwardedFor?: string;
  /** Sent once first and expected to pass (the call that spends a rate limit). */
  spendFirst?: boolean;
  status: number;
  /** The problem's code, for a refusal. */
  code?: string;
  check?: (response: Response, body: any) => void;
}

const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/;

function assertRateLimitHeaders(response: Response, remaining: string): void {
  assert.equal(response.headers.get('ratelimit-limit'), '1');
  assert.equal(response.headers.get('ratelimit-remaining'), remaining);
  const reset = Number(response.headers.get('ratelimit-reset'));
  assert.ok(Number.isInteger(reset) && reset >= 0 && reset <= 60, `RateLimit-Reset ${reset}`);
}

/** One table for every framework. */
const CASES: Case[] = [
  { name: 'a valid key', path: '/docs', key: 'valid', status: 200 },
  { name: 'a valid key in the configured query parameter', path: '/docs', key: 'valid', via: 'query', status: 200 },
  {
    name: 'no key',
    path: '/docs',
    key: 'none',
    status: 401,
    code: 'MISSING_KEY',
    check: (r) => assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="api"'),
  },
  {
    name: 'an unknown key',
    path: '/docs',
    key: 'unknown',
    status: 401,
    code: 'NOT_FOUND',
    check: (r) => assert.match(r.headers.get('www-authenticate')!, INVALID_TOKEN),
  },
  {
    name: 'a revoked key',
    path: '/docs',
    key: 'revoked',
    status: 401,
    code: 'REVOKED',
    check: (r) => assert.match(r.headers.get('www-authenticate')!, INVALID_TOKEN),
  },
  {
    name: 'a key without the scope',
    path: '/docs',
    key: 'wrongScope',
    status: 403,
    code: 'INSUFFICIENT_PERMISSIONS',
    check: (r) => assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="api", error="insufficient_scope", scope="docs:read"'),
  },
  {
    name: 'a rate-limited key',
    path: '/docs',
    key: 'limited',
    spendFirst: true,
    status: 429,
    code: 'RATE_LIMITED',
    check: (r) => {
      const retryAfter = Number(r.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assertRateLimitHeaders(r, '0');
      assert.equal(r.headers.get('www-authenticate'), null);
    },
  },
  {
    name: 'a metered key with credits for the cost',
    path: '/metered',
    key: 'rich',
    status: 200,
    check: (_r, body) => assert.equal(body.remaining, '5'),
  },
  {
    name: 'a key whose usage is exceeded',
    path: '/metered',
    key: 'poor',
    status: 402,
    code: 'USAGE_EXCEEDED',
    check: (_r, body) => assert.equal(body.remaining, '1'),
  },
  { name: 'an allowlisted address, forwarded by a trusted proxy', path: '/allowlisted', key: 'allowlisted', forwardedFor: '10.1.2.3', status: 200 },
  {
    name: 'an address off the allowlist',
    path: '/allowlisted',
    key: 'allowlisted',
    forwardedFor: '192.0.2.1',
    status: 403,
    code: 'FORBIDDEN',
    check: (r) => assert.equal(r.headers.get('www-authenticate'), null),
  },
  { name: 'tessera unreachable', path: '/down', key: 'valid', status: 503, code: 'VERIFIER_UNAVAILABLE' },
  {
    name: 'tessera unreachable, with onError letting it through',
    path: '/down-open',
    key: 'valid',
    status: 200,
    check: (_r, body) => assert.equal(body.tokenId, null),
  },
];

describe('middleware against a real tessera: Express, Fastify and Hono over loopback', () => {
  const admin = generateSecret('tsr', randomBytes);
  let backend: ServerBackend;
  let server: ServerProcess;
  before(async () => {
    backend = await sqliteBackend();
    server = await startServerProcess([...backend.args, '--log-level', 'warn'], { TESSERA_BOOTSTRAP_TOKEN: admin });
  });
  after(async () => {
    await server?.stop();
    await backend?.cleanup();
  });

  async function makeKeys(): Promise<Keys> {
    const keys = {} as Keys;
    for (const [name, body] of Object.entries(KEY_BODIES)) {
      const response = await fetch(`${server.url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, ...body }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const { token, secret } = (await response.json()) as { token: { id: string }; secret: string };
      keys[name as KeyName] = { id: token.id, secret };
    }
    const revoked = await fetch(`${server.url}/v1/tokens/${keys.revoked.id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(revoked.status, 200);
    return keys;
  }

  for (const framework of FRAMEWORKS) {
    describe(framework.name, () => {
      let app: RunningApp;
      let keys: Keys;
      let verifier: ReturnType<typeof recording>;
      before(async () => {
        keys = await makeKeys();
        verifier = recording(fetchVerifier(server.url));
        // Nothing listens on port 1: every verification there fails to connect.
        const unreachable = fetchVerifier('http://127.0.0.1:1');
        const routes: RouteSpec[] = [
          { path: '/docs', options: { verifier, scopes: ['docs:read'], query: 'api_key' } },
          { path: '/metered', options: { verifier, cost: '5' } },
          { path: '/allowlisted', options: { verifier }, behindProxy: true },
          { path: '/down', options: { verifier: unreachable } },
          { path: '/down-open', options: { verifier: unreachable, onError: () => 'allow' } },
        ];
        app = await framework.start(routes);
      });
      after(() => app?.close());

      for (const c of CASES) {
        it(`${c.name}: ${c.status}${c.code ? ` ${c.code}` : ''}`, async () => {
          const secret = c.key === 'none' ? undefined : c.key === 'unknown' ? generateSecret('tsk', randomBytes) : keys[c.key].secret;
          const url = new URL(c.path, app.url);
          const headers: Record<string, string> = {};
          if (secret !== undefined && c.via === 'query') url.searchParams.set('api_key', secret);
          else if (secret !== undefined) headers.authorization = `Bearer ${secret}`;
          if (c.forwardedFor) headers['x-forwarded-for'] = c.forwardedFor;
          if (c.spendFirst) {
            const first = await fetch(url, { headers });
            assert.equal(first.status, 200, await first.clone().text());
            assertRateLimitHeaders(first, '0');
            await first.arrayBuffer();
          }

          const response = await fetch(url, { headers });
          const body = (await response.json()) as any;
          assert.equal(response.status, c.status, JSON.stringify(body));
          if (c.code) {
            assert.match(response.headers.get('content-type')!, /^application\/problem\+json/);
            assert.equal(body.type, 'about:blank');
            assert.equal(body.status, c.status);
            assert.equal(body.code, c.code);
            assert.equal(typeof body.title, 'string');
            assert.equal(typeof body.detail, 'string');
          } else if (c.key !== 'none' && c.key !== 'unknown' && !c.path.startsWith('/down')) {
            assert.equal(body.tokenId, keys[c.key].id, 'the route saw the token view');
          }
          c.check?.(response, body);
        });
      }

      it("sends tessera the framework's idea of the client's address", async () => {
        const response = await fetch(new URL('/docs', app.url), { headers: { authorization: `Bearer ${keys.valid.secret}` } });
        assert.equal(response.status, 200);
        assert.match(verifier.last?.ip ?? '', /^(::ffff:)?127\.0\.0\.1$/);
        assert.deepEqual(verifier.last?.scopes, ['docs:read']);
      });
    });
  }
});
