import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStores } from '../../src/store/open-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { edgeEnvironmentProjectsListSchema, unleashErrorSchema, validatedEdgeTokensSchema } from '../contracts/unleash.js';
import { describeEachApp, startHarness, type Harness } from '../support/app-harness.js';
import { assertMatches } from '../support/contract.js';
import { edgeHeaders } from '../support/edge-client.js';
import { postgresTestUrl } from '../support/postgres.js';

const EDGE_SECRET = randomBytes(32).toString('base64url');
const edgeClients = new Map([['edge-1', Buffer.from(EDGE_SECRET, 'base64url')]]);

await describeEachApp(
  'Unleash dialect',
  (h) => {
    const issue = (tokens: unknown, headers: Record<string, string> = { authorization: `Bearer ${h.admin}` }) =>
      h.request({ method: 'POST', url: '/edge/issue-token', headers, payload: { tokens } as object });
    const countClientTokens = async () => (await h.stores.tokens.list({ limit: 10_000, now: h.clock.now(), type: 'client' })).items.length;

    it('issues a client token per environment/projects pair, in the shape of the reference', async () => {
      const body = { tokens: [{ environment: 'development', projects: ['default'] }] };
      assertMatches(edgeEnvironmentProjectsListSchema, body, 'the request');
      const res = await issue(body.tokens);
      assert.equal(res.statusCode, 200, res.body);
      assertMatches(validatedEdgeTokensSchema, res.json(), 'the response');
      const [token] = res.json().tokens;
      assert.deepEqual({ ...token, token: undefined }, { projects: ['default'], environment: 'development', type: 'client', token: undefined });
      assert.match(token.token, /^default:development\.tsk_[0-9A-Za-z]{36}$/);

      const verified = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: token.token, environment: 'development', project: 'default' } });
      assert.equal(verified.json().code, 'VALID');
      assert.equal(verified.json().token.origin, 'unleash');
      const wrongEnv = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: token.token, environment: 'production' } });
      assert.equal(wrongEnv.json().code, 'INSUFFICIENT_PERMISSIONS');
    });

    it('answers the same token for the same pair, whatever the order of the projects', async () => {
      await h.request({ method: 'POST', url: '/v1/projects', as: h.admin, payload: { id: 'web' } });
      const first = (await issue([{ environment: 'production', projects: ['web', 'default'] }])).json().tokens[0];
      const again = (await issue([{ environment: 'production', projects: ['default', 'web', 'web'] }])).json().tokens[0];
      assert.equal(again.token, first.token);
      assert.deepEqual(first.projects, ['default', 'web']);
      assert.match(first.token, /^\[\]:production\./);
      const all = (await issue([{ environment: 'production', projects: ['*'] }])).json().tokens[0];
      assert.match(all.token, /^\*:production\./);
      assert.notEqual(all.token, first.token);
    });

    it('creates exactly one token under concurrent identical calls', async () => {
      const before = await countClientTokens();
      const calls = await Promise.all(Array.from({ length: 20 }, () => issue([{ environment: 'development', projects: ['*'] }])));
      const texts = new Set(calls.map((c) => c.json().tokens[0].token));
      assert.equal(texts.size, 1);
      assert.equal(await countClientTokens(), before + 1);
    });

    it('issues a new token once the old one is revoked', async () => {
      const old = (await issue([{ environment: 'development', projects: ['default', 'web'] }])).json().tokens[0].token;
      const id = (await h.request({ method: 'POST', url: '/v1/verify', payload: { token: old } })).json().token.id;
      await h.request({ method: 'POST', url: `/v1/tokens/${id}/revoke`, as: h.admin });
      const fresh = (await issue([{ environment: 'development', projects: ['default', 'web'] }])).json().tokens[0].token;
      assert.notEqual(fresh, old);
      assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: fresh } })).json().code, 'VALID');
    });

    it('refuses unknown environments and projects with 400 in Unleash shape, creating nothing', async () => {
      const before = await countClientTokens();
      for (const tokens of [
        [{ environment: 'nope', projects: ['default'] }],
        [{ environment: 'development', projects: ['nope'] }],
        [{ environment: 'development', projects: [] }],
        [{ environment: 'development' }],
        'x',
      ]) {
        const res = await issue(tokens);
        assert.equal(res.statusCode, 400, JSON.stringify(tokens));
        assertMatches(unleashErrorSchema, res.json(), 'the error');
        assert.equal(res.json().name, 'BadDataError');
        assert.match(res.json().id, /^[0-9a-f-]{36}$/);
      }
      assert.equal(await countClientTokens(), before);
    });

    it('needs an admin: 401 without a credential, 403 for a member', async () => {
      const member = await h.user('unleash member');
      const none = await issue([{ environment: 'development', projects: ['default'] }], {});
      assert.equal(none.statusCode, 401);
      assert.equal(none.json().name, 'AuthenticationRequired');
      const forbidden = await issue([{ environment: 'development', projects: ['default'] }], { authorization: member.secret });
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json().name, 'NoAccessError');
    });

    it('answers 413 and 415 in Unleash shape', async () => {
      const big = await h.request({
        method: 'POST',
        url: '/edge/issue-token',
        headers: { authorization: h.admin, 'content-type': 'application/json' },
        payload: JSON.stringify({ tokens: [], pad: 'x'.repeat(101 * 1024) }),
      });
      assert.equal(big.statusCode, 413);
      assert.equal(big.json().name, 'ContentTooLargeError');
      const text = await h.request({
        method: 'POST',
        url: '/edge/issue-token',
        headers: { authorization: h.admin, 'content-type': 'text/plain' },
        payload: 'tokens',
      });
      assert.equal(text.statusCode, 415);
      assert.equal(text.json().name, 'ContentTypeError');
    });

    it('accepts an Edge client signing with HMAC, and refuses replays, stale times and tampering', async () => {
      const body = JSON.stringify({ tokens: [{ environment: 'development', projects: ['default'] }] });
      const now = () => new Date(h.clock.now()).toISOString();
      const send = (headers: Record<string, string>, payload = body) => h.request({ method: 'POST', url: '/edge/issue-token', headers, payload });

      const signed = edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: now() });
      const ok = await send(signed);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.match(ok.json().tokens[0].token, /^default:development\./);
      const byAdmin = (await issue([{ environment: 'development', projects: ['default'] }])).json().tokens[0].token;
      assert.equal(ok.json().tokens[0].token, byAdmin, 'the same pair gives the same token to every caller');

      const refused: Array<[string, Record<string, string>, string?]> = [
        ['replayed nonce', signed],
        ['stale timestamp', edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: new Date(h.clock.now() - 6 * 60_000).toISOString() })],
        ['future timestamp', edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: new Date(h.clock.now() + 6 * 60_000).toISOString() })],
        ['wrong secret', edgeHeaders('edge-1', randomBytes(32).toString('base64url'), body, { timestamp: now() })],
        ['unknown client', edgeHeaders('edge-2', EDGE_SECRET, body, { timestamp: now() })],
        ['body changed after signing', edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: now() }), body.replace('default', 'web')],
        ['content-sha256 of another body', edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: now(), contentSha256: '0'.repeat(64) })],
        ['signed for another path', edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: now(), path: '/edge/validate' })],
      ];
      for (const [what, headers, payload] of refused) {
        const res = await send(headers, payload);
        assert.equal(res.statusCode, 401, what);
        assert.equal(res.json().name, 'AuthenticationRequired', what);
      }
    });

    it('validates: only the valid tokens come back', async () => {
      const good = (await issue([{ environment: 'production', projects: ['default'] }])).json().tokens[0].token;
      const gone = (await issue([{ environment: 'development', projects: ['web'] }])).json().tokens[0].token;
      const goneId = (await h.request({ method: 'POST', url: '/v1/verify', payload: { token: gone } })).json().token.id;
      await h.request({ method: 'DELETE', url: `/v1/tokens/${goneId}`, as: h.admin });
      const native = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'not unleash' } })).json().secret;
      const res = await h.request({ method: 'POST', url: '/edge/validate', payload: { tokens: [good, gone, native, 'garbage'] } });
      assert.equal(res.statusCode, 200);
      assertMatches(validatedEdgeTokensSchema, res.json(), 'the response');
      assert.deepEqual(res.json(), { tokens: [{ token: good, type: 'client', environment: 'production', projects: ['default'] }] });
      const empty = await h.request({ method: 'POST', url: '/edge/validate', payload: {} });
      assert.equal(empty.statusCode, 400);
      assert.equal(empty.json().name, 'BadDataError');
    });
  },
  { edgeClients },
);

/** Two nodes on one database: each its own stores (its own connections) and services. */
const sharedDatabases: Array<{ name: string; open(): Promise<{ databaseUrl?: string; dataDir: string; cleanup(): Promise<void> } | string> }> = [
  {
    name: 'sqlite',
    open: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-edge-nonce-'));
      return { dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    open: async () => {
      const db = await postgresTestUrl();
      return 'skip' in db ? db.skip : { databaseUrl: db.url, dataDir: '', cleanup: db.drop };
    },
  },
];

for (const database of sharedDatabases) {
  const opened = await database.open();
  describe(`Unleash Edge signatures on two nodes sharing ${database.name}`, { skip: typeof opened === 'string' ? opened : undefined }, () => {
    const nodes: Array<{ stores: Stores; h: Harness }> = [];
    before(async () => {
      if (typeof opened === 'string') return;
      for (let i = 0; i < 2; i++) {
        const stores = await openStores(opened);
        nodes.push({ stores, h: await startHarness(stores, { edgeClients }) });
      }
    });
    after(async () => {
      for (const { stores, h } of nodes) {
        await h.close();
        await stores.close();
      }
      if (typeof opened !== 'string') await opened.cleanup();
    });

    it('refuses on the second node a signed request the first node accepted', async () => {
      const [first, second] = nodes.map((n) => n.h) as [Harness, Harness];
      const body = JSON.stringify({ tokens: [{ environment: 'development', projects: ['default'] }] });
      const send = (h: Harness, headers: Record<string, string>) => h.request({ method: 'POST', url: '/edge/issue-token', headers, payload: body });
      const signed = edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: new Date(first.clock.now()).toISOString() });
      assert.equal((await send(first, signed)).statusCode, 200);
      const replayed = await send(second, signed);
      assert.equal(replayed.statusCode, 401);
      assert.equal(replayed.json().name, 'AuthenticationRequired');
      const fresh = await send(second, edgeHeaders('edge-1', EDGE_SECRET, body, { timestamp: new Date(second.clock.now()).toISOString() }));
      assert.equal(fresh.statusCode, 200, 'the second node takes a request signed with a nonce of its own');
    });
  });
}
