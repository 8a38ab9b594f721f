import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FOREIGN_KEYS_PRESENT, FOREIGN_KEYS_SETTING } from '../../src/core/foreign-key.js';
import { issueToken, tokenFields, type TokenFields } from '../../src/core/issue-token.js';
import { generateSecret } from '../../src/core/secret.js';
import { buildApp } from '../../src/http/app.js';
import { createServices } from '../../src/service/services.js';
import { openStores } from '../../src/store/open-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { createVerifier } from '../../sdk/src/verifier.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { postgresTestUrl } from '../support/postgres.js';
import { storeFactories } from '../support/store-factories.js';
import { overrideMethod } from '../support/store-override.js';
import { waitFor } from '../support/wait-for.js';

/*
 * Keys another system issued, imported by the SHA-256 of their whole text (origin 'import'), verify
 * with that text on every path that takes a presented key — but only on an installation that holds
 * imported keys (the foreign-keys setting), and never at the price of a lookup for a tessera-shaped
 * text with a wrong checksum.
 */

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const hex = (text: string) => sha256(text).toString('hex');

/** A token as `tessera import` writes one: any text, stored by its digest alone. */
async function importKey(stores: Stores, text: string, fields: Partial<TokenFields> & Pick<TokenFields, 'ownerUserId'>): Promise<string> {
  const { token } = issueToken(
    tokenFields({ name: `imported ${randomBytes(3).toString('hex')}`, type: 'api', origin: 'import', ...fields }),
    Date.now(),
    randomBytes,
  );
  await stores.tokens.insert({ ...token, digest: sha256(text), prefix: text.slice(0, 3), suffix: text.slice(-4) });
  return token.id;
}

/** Made-up keys in other systems' formats, different on every run. */
const unkeyLike = () => `uk_${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x')}`;
const unleashLike = () => `*:development.${randomBytes(16).toString('hex')}`;
const longOpaque = () => `sk-live-${randomBytes(150).toString('base64url')}`;

/** The stores, with every token lookup by digest noted (hex): what "reached the store" means here. */
function counting(stores: Stores): { stores: Stores; lookups: (text: string) => number } {
  const seen: string[] = [];
  const tokens = overrideMethod(stores.tokens, 'findByDigest', (original) => (digest: Buffer) => {
    seen.push(digest.toString('hex'));
    return original(digest);
  });
  return { stores: { ...stores, tokens }, lookups: (text) => seen.filter((d) => d === hex(text)).length };
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const verify = async (base: string, token: string) => (await post(base, '/v1/verify', { token })).body.code as string;

for (const factory of await storeFactories()) {
  describe(`imported foreign keys over HTTP: ${factory.name}`, { skip: factory.skip }, () => {
    let cleanup: () => Promise<void>;
    let h: Harness;
    let lookups: (text: string) => number;
    let base: string;
    const keys = { unkey: unkeyLike(), unleash: unleashLike(), long: longOpaque(), personal: unkeyLike(), leaked: unkeyLike() };
    let personalId: string;

    before(async () => {
      const opened = await factory.open();
      cleanup = opened.cleanup;
      const counted = counting(opened.stores);
      lookups = counted.lookups;
      h = await startHarness(counted.stores, { foreignKeyRefreshMs: 0 });
      base = await h.app.listen({ host: '127.0.0.1', port: 0 });
      const adminId = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id as string;
      await importKey(h.stores, keys.unkey, { ownerUserId: adminId, scopes: ['docs:read'] });
      await importKey(h.stores, keys.unleash, { ownerUserId: adminId, type: 'client', environment: 'development', projects: ['*'] });
      await importKey(h.stores, keys.long, { ownerUserId: adminId });
      await importKey(h.stores, keys.leaked, { ownerUserId: adminId });
      personalId = await importKey(h.stores, keys.personal, { ownerUserId: adminId, type: 'personal', scopes: ['*'] });
    });
    after(async () => {
      await h?.close();
      await cleanup?.();
    });

    it('without the setting, never looks a foreign text up: NOT_FOUND on every path, no store lookup', async () => {
      for (const text of Object.values(keys)) assert.equal(await verify(base, text), 'NOT_FOUND', text);
      const forward = await fetch(`${base}/v1/forward-auth`, { headers: { authorization: `Bearer ${keys.unkey}` } });
      assert.equal(forward.status, 401);
      const whoami = await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${keys.personal}` } });
      assert.equal(whoami.status, 401);
      const edge = await post(base, '/edge/validate', { tokens: [keys.unleash] });
      assert.deepEqual(edge.body, { tokens: [] });
      for (const text of Object.values(keys)) assert.equal(lookups(text), 0, `${text} reached the store`);
      assert.equal(h.services.foreignKeys.present, false);
    });

    it('once the setting is claimed and read, imported keys verify VALID with their old text: native, forward-auth, introspection', async () => {
      await h.stores.settings.claim(FOREIGN_KEYS_SETTING, FOREIGN_KEYS_PRESENT);
      await h.background.foreignKeys!.start(() => assert.fail('reading the setting failed'));
      assert.equal(h.services.foreignKeys.present, true);
      for (const text of [keys.unkey, keys.unleash, keys.long]) {
        const answer = await post(base, '/v1/verify', { token: text });
        assert.equal(answer.body.code, 'VALID', text);
        assert.equal(answer.body.token.origin, 'import');
      }
      assert.equal((await post(base, '/v1/verify', { token: keys.unkey, scopes: ['docs:read'] })).body.code, 'VALID');
      assert.equal((await post(base, '/v1/verify', { token: keys.unkey, scopes: ['docs:write'] })).body.code, 'INSUFFICIENT_PERMISSIONS');

      const forward = await fetch(`${base}/v1/forward-auth`, { headers: { authorization: `Bearer ${keys.long}` } });
      assert.equal(forward.status, 200);
      await forward.body?.cancel();

      const introspected = await fetch(`${base}/oauth/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.admin}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: keys.unkey }).toString(),
      });
      const body = (await introspected.json()) as { active: boolean; scope?: string };
      assert.equal(body.active, true);
      assert.equal(body.scope, 'docs:read');
    });

    it("verifies an imported Unleash token's whole text through Unleash's /edge/validate", async () => {
      const edge = await post(base, '/edge/validate', { tokens: [keys.unleash, unleashLike()] });
      assert.equal(edge.status, 200);
      assert.deepEqual(edge.body, { tokens: [{ token: keys.unleash, type: 'client', environment: 'development', projects: ['*'] }] });
    });

    it('takes an imported personal token on the management API, and exchanges an imported key for a JWT', async () => {
      const whoami = await fetch(`${base}/v1/whoami`, { headers: { authorization: `Bearer ${keys.personal}` } });
      assert.equal(whoami.status, 200);
      assert.equal(((await whoami.json()) as { token: { id: string } }).token.id, personalId);

      const exchanged = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: keys.unkey,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        }).toString(),
      });
      assert.equal(exchanged.status, 200, await exchanged.clone().text());
      assert.match(((await exchanged.json()) as { access_token: string }).access_token, /^ey/);
    });

    it('finds an imported key reported as leaked, and it stops verifying', async () => {
      assert.equal(await verify(base, keys.leaked), 'VALID');
      const report = await post(base, '/v1/leaks/report', { token: keys.leaked, url: 'https://example.com/paste' });
      assert.equal(report.status, 202);
      const stored = await h.stores.tokens.findByDigest(sha256(keys.leaked));
      assert.ok(stored?.leakedAt, 'the report found the imported key and marked it leaked');
      assert.equal(stored.leakedUrl, 'https://example.com/paste');
      assert.equal(await verify(base, keys.leaked), 'REVOKED');
    });

    it('answers an unknown foreign text NOT_FOUND from one store lookup, then from the negative cache', async () => {
      const unknown = unkeyLike();
      assert.equal(await verify(base, unknown), 'NOT_FOUND');
      assert.equal(await verify(base, unknown), 'NOT_FOUND');
      const forward = await fetch(`${base}/v1/forward-auth`, { headers: { authorization: `Bearer ${unknown}` } });
      assert.equal(forward.status, 401);
      assert.equal(lookups(unknown), 1);
    });

    it('never looks up a tessera-shaped text with a bad checksum, bare or wrapped, with the setting claimed', async () => {
      const secret = generateSecret('tsk', randomBytes);
      const broken = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
      for (const text of [broken, `*:development.${broken}`, 'short', 'has a space in it']) {
        assert.equal(await verify(base, text), 'NOT_FOUND', text);
        assert.equal(lookups(text), 0, `${text} reached the store`);
      }
    });
  });
}

describe('the guessing guard counts foreign texts looked up, and only those', () => {
  it('counts an unknown foreign text as a failed credential once imported keys exist', async () => {
    const h = await startHarness(undefined, { failedAttemptsPerMinute: 3, foreignKeyRefreshMs: 0 });
    try {
      // Not looked up without imported keys: presenting such texts costs nothing and is not a guess.
      for (let i = 0; i < 5; i++) assert.equal(await h.services.verify.lookupPresented(unkeyLike(), '203.0.113.7'), undefined);
      await h.services.foreignKeys.claim();
      for (let i = 0; i < 3; i++) assert.equal(await h.services.verify.lookupPresented(unkeyLike(), '203.0.113.7'), undefined);
      await assert.rejects(h.services.verify.lookupPresented(unkeyLike(), '203.0.113.7'), { code: 'RATE_LIMITED' });
      // Another address has its own budget.
      assert.equal(await h.services.verify.lookupPresented(unkeyLike(), '203.0.113.8'), undefined);
    } finally {
      await h.close();
    }
  });
});

describe('the in-process verifier holds imported keys by digest', () => {
  it('answers a foreign key it knows in process, and sends an unknown one to the server', async () => {
    const h = await startHarness(undefined, { foreignKeyRefreshMs: 0 });
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    let asked = 0;
    const created = await h.request({
      method: 'POST',
      url: '/v1/tokens',
      as: h.admin,
      payload: { name: 'verifier', type: 'personal', scopes: ['verifier:read'] },
    });
    const verifier = createVerifier({
      url: base,
      token: created.json().secret as string,
      reportUsageMs: false,
      fetch: (input, init) => {
        if (String(input).endsWith('/v1/verify')) asked++;
        return fetch(input, init);
      },
    });
    try {
      const adminId = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id as string;
      const key = longOpaque();
      await importKey(h.stores, key, { ownerUserId: adminId });
      await h.services.foreignKeys.claim();
      await verifier.live();
      assert.equal((await verifier.verify(key)).code, 'VALID');
      assert.equal(asked, 1, 'the first verification of a key goes to the server');
      assert.equal((await verifier.verify(key)).code, 'VALID');
      assert.equal((await verifier.verify(key)).code, 'VALID');
      assert.equal(asked, 1, 'a known foreign key is answered in process');
      const unknown = longOpaque();
      assert.equal((await verifier.verify(unknown)).code, 'NOT_FOUND');
      assert.equal((await verifier.verify(unknown)).code, 'NOT_FOUND');
      assert.equal(asked, 3, 'an unknown key goes to the server each time');
    } finally {
      await verifier.close();
      await h.close();
    }
  });
});

/** Two nodes' stores over one database: SQLite in one data directory, or one PostgreSQL database. */
async function sharedDatabase(name: 'sqlite' | 'postgres'): Promise<{ open: () => Promise<Stores>; drop: () => Promise<void> } | string> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-foreign-'));
    return { open: () => openStores({ dataDir: dir }), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const db = await postgresTestUrl();
  if ('skip' in db) return db.skip;
  return { open: () => openStores({ dataDir: '', databaseUrl: db.url }), drop: db.drop };
}

for (const name of ['sqlite', 'postgres'] as const) {
  const probe = await sharedDatabase(name);
  describe(`another node accepts imported keys within its refresh: ${name}`, { skip: typeof probe === 'string' ? probe : undefined }, () => {
    it('starts looking foreign texts up once the setting is claimed on the first node', async () => {
      const shared = probe as Exclude<typeof probe, string>;
      const storesA = await shared.open();
      const storesB = await shared.open();
      const importer = await startHarness(storesA, { foreignKeyRefreshMs: 0 });
      const counted = counting(storesB);
      const nodeB = createServices(counted.stores, { foreignKeyRefreshMs: 100 });
      const appB = await buildApp(nodeB.services);
      const baseB = await appB.listen({ host: '127.0.0.1', port: 0 });
      try {
        await nodeB.background.foreignKeys!.start(() => {});
        const adminId = (await importer.request({ method: 'GET', url: '/v1/whoami', as: importer.admin })).json().user.id as string;
        const key = unleashLike();
        await importKey(storesA, key, { ownerUserId: adminId });
        assert.equal(await verify(baseB, key), 'NOT_FOUND');
        assert.equal(counted.lookups(key), 0, 'node B looked a foreign text up before any import');
        await importer.services.foreignKeys.claim();
        // Within node B's refresh (100 ms here): it read the setting, and looks the text up.
        await waitFor('node B reading the setting', () => (nodeB.services.foreignKeys.present ? true : undefined));
        assert.equal(await verify(baseB, key), 'VALID');
        assert.equal(counted.lookups(key), 1);
      } finally {
        nodeB.background.foreignKeys!.stop();
        await appB.close();
        await nodeB.background.usage.stop();
        await nodeB.background.analytics?.stop();
        await importer.close();
        await storesB.close();
        await storesA.close();
        await shared.drop();
      }
    });
  });
}
