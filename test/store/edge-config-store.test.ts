import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { edgeConfigDigest, type EdgeConfigRecord } from '../../src/core/vercel-edge-config.js';
import { AppError } from '../../src/core/errors.js';
import type { TokenRecord } from '../../src/core/token.js';
import { openStores } from '../../src/store/open-stores.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { describeEachStore } from '../support/store-factories.js';

const config = (id: string, slug: string, items: Record<string, unknown> = {}): EdgeConfigRecord => ({
  id,
  slug,
  ownerUserId: 'usr_1',
  teamId: null,
  items,
  digest: edgeConfigDigest(items),
  createdAt: T0,
  updatedAt: T0,
});

/** A resource token of config `configId`, made at T0 unless `overrides` say otherwise. */
const configToken = (configId: string, name: string, overrides: Partial<TokenRecord> = {}): TokenRecord =>
  makeToken({ type: 'resource', ...overrides }, { name, type: 'resource', resource: { kind: 'edge-config', id: configId } }).token;

/** How many of `outcomes` are each outcome, e.g. {inserted: 5, limit: 15}. */
const tally = (outcomes: readonly string[]) => Object.fromEntries([...new Set(outcomes)].sort().map((o) => [o, outcomes.filter((x) => x === o).length]));

await describeEachStore('EdgeConfigStore contract', (stores) => {
  // The configs' owner, and the default owner of their tokens.
  before(() => createOwners(stores, ['usr_1', 'usr_owner']));

  /** The config's tokens that are neither revoked nor expired at `now`, read without insertToken. */
  const liveTokens = async (configId: string, now = T0) =>
    (await stores.tokens.list({ resource: { kind: 'edge-config', id: configId }, status: 'active', limit: 10_000, now })).items;

  it('round-trips a config and refuses a taken id or slug', async () => {
    const c = { ...config('ecfg_1', 'flags', { a: 1, nested: { b: [true, null] } }), teamId: 'team_1' };
    await stores.edgeConfigs.insert(c);
    assert.deepEqual(await stores.edgeConfigs.find('ecfg_1'), c);
    assert.equal(await stores.edgeConfigs.find('ecfg_none'), undefined);
    for (const dup of [config('ecfg_1', 'other'), config('ecfg_2', 'flags')]) {
      await assert.rejects(stores.edgeConfigs.insert(dup), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT');
    }
    assert.equal(await stores.edgeConfigs.find('ecfg_2'), undefined);
  });

  it('replaces items only over the expected digest', async () => {
    const c = config('ecfg_3', 'three', { x: 1 });
    await stores.edgeConfigs.insert(c);
    const items = { x: 2 };
    assert.equal(await stores.edgeConfigs.replaceItems('ecfg_3', c.digest, items, edgeConfigDigest(items), T0 + 5), true);
    assert.equal(await stores.edgeConfigs.replaceItems('ecfg_3', c.digest, { x: 3 }, edgeConfigDigest({ x: 3 }), T0 + 6), false);
    const stored = await stores.edgeConfigs.find('ecfg_3');
    assert.deepEqual(stored!.items, { x: 2 });
    assert.equal(stored!.digest, edgeConfigDigest({ x: 2 }));
    assert.equal(stored!.updatedAt, T0 + 5);
    assert.equal(await stores.edgeConfigs.replaceItems('ecfg_none', c.digest, {}, edgeConfigDigest({}), T0), false);
  });

  it('insertToken refuses a live label, then a full config, then a missing one; revoked, expired and other configs do not count', async () => {
    await stores.edgeConfigs.insert(config('ecfg_tok', 'tok'));
    await stores.edgeConfigs.insert(config('ecfg_tok_other', 'tok-other'));
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok', configToken('ecfg_tok', 'a'), 2), 'inserted');
    // A token written straight to the token store (the native API can make one) counts too.
    await stores.tokens.insert(configToken('ecfg_tok', 'b'));
    await stores.tokens.insert(configToken('ecfg_tok', 'revoked', { revokedAt: T0 - 1 }));
    await stores.tokens.insert(configToken('ecfg_tok', 'leaked', { leakedAt: T0 - 2, revokedAt: T0 - 1 }));
    await stores.tokens.insert(configToken('ecfg_tok', 'expired', { expiresAt: T0 }));
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok_other', configToken('ecfg_tok_other', 'a'), 1), 'inserted');
    assert.equal((await liveTokens('ecfg_tok')).length, 2);

    // The label is judged before the limit: a clash says so even on a full config.
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok', configToken('ecfg_tok', 'a'), 3), 'duplicate-label');
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok', configToken('ecfg_tok', 'a'), 2), 'duplicate-label');
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok', configToken('ecfg_tok', 'c'), 2), 'limit');
    // Labels of dead tokens are free, and dead tokens leave their places free.
    for (const label of ['revoked', 'leaked', 'expired']) {
      assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok', configToken('ecfg_tok', label), 6), 'inserted', label);
    }
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok', configToken('ecfg_tok', 'f'), 5), 'limit');
    // A revocation scheduled after the token's creation time still counts it as live.
    const later = configToken('ecfg_tok_other', 'later', { revokedAt: T0 + 1000 });
    await stores.tokens.insert(later);
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_tok_other', configToken('ecfg_tok_other', 'later'), 10), 'duplicate-label');

    const orphan = configToken('ecfg_none', 'a');
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_none', orphan, 10), 'missing-config');
    assert.equal(await stores.tokens.findById(orphan.id), undefined);
    assert.deepEqual((await liveTokens('ecfg_tok')).map((t) => t.name).sort(), ['a', 'b', 'expired', 'leaked', 'revoked']);
  });

  it('insertToken stores the token as given, and refuses a taken digest with CONFLICT', async () => {
    await stores.edgeConfigs.insert(config('ecfg_exact', 'exact'));
    const token = configToken('ecfg_exact', 'exact');
    assert.equal(await stores.edgeConfigs.insertToken('ecfg_exact', token, 1), 'inserted');
    assert.deepEqual(await stores.tokens.findByDigest(token.digest), token);
    await assert.rejects(
      stores.edgeConfigs.insertToken('ecfg_exact', { ...token, name: 'another label' }, 10),
      (e: unknown) => e instanceof AppError && e.code === 'CONFLICT',
    );
    assert.equal((await liveTokens('ecfg_exact')).length, 1);
  });

  it('insertToken under a race: 20 concurrent calls with limit 5 insert exactly 5; 10 with one label insert exactly 1', async () => {
    await stores.edgeConfigs.insert(config('ecfg_race', 'race'));
    const limited = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stores.edgeConfigs.insertToken('ecfg_race', configToken('ecfg_race', `racer ${i}`), 5)),
    );
    assert.deepEqual(tally(limited), { inserted: 5, limit: 15 });
    assert.equal((await liveTokens('ecfg_race')).length, 5);

    await stores.edgeConfigs.insert(config('ecfg_label', 'label'));
    const candidates = Array.from({ length: 10 }, () => configToken('ecfg_label', 'same'));
    const labelled = await Promise.all(candidates.map((token) => stores.edgeConfigs.insertToken('ecfg_label', token, 100)));
    assert.deepEqual(tally(labelled), { 'duplicate-label': 9, inserted: 1 });
    // The one stored is the one that answered 'inserted', not a loser's.
    const live = await liveTokens('ecfg_label');
    assert.deepEqual(
      live.map((t) => t.id),
      [candidates[labelled.indexOf('inserted')]!.id],
    );
  });
});

/**
 * One process's share of the multi-process race below: opens the SQLite file, says `ready`,
 * waits for `go` on stdin, then makes its calls one after another and prints what they answered.
 */
const WORKER = `
const [openStoresUrl, issueTokenUrl, dataDir, who, calls, limit] = process.argv.slice(1);
const { openStores } = await import(openStoresUrl);
const { issueToken, tokenFields } = await import(issueTokenUrl);
const { randomBytes } = await import('node:crypto');
const stores = await openStores({ dataDir });
console.log('ready');
await new Promise((resolve) => process.stdin.once('data', resolve));
const outcomes = [];
for (let i = 0; i < Number(calls); i++) {
  const fields = tokenFields({ name: who + ' ' + i, type: 'resource', origin: 'api', ownerUserId: 'usr_1', resource: { kind: 'edge-config', id: 'ecfg_shared' } });
  try {
    outcomes.push(await stores.edgeConfigs.insertToken('ecfg_shared', issueToken(fields, Date.now(), randomBytes).token, Number(limit)));
  } catch (error) {
    outcomes.push(String(error.code ?? error.message));
  }
}
await stores.close();
console.log(JSON.stringify(outcomes));
`;

describe('EdgeConfigStore on one SQLite file shared by several processes', () => {
  it('insertToken never fails with SQLITE_BUSY and never passes the limit', async () => {
    // A deferred transaction that reads and then writes gets SQLITE_BUSY at once, whatever
    // busy_timeout says, when another process wrote in between: this is what 'begin immediate' prevents.
    const dir = mkdtempSync(join(tmpdir(), 'tessera-edge-procs-'));
    try {
      const setup = await openStores({ dataDir: dir });
      await createOwners(setup, ['usr_1']);
      await setup.edgeConfigs.insert(config('ecfg_shared', 'shared'));
      await setup.close();

      const PROCESSES = 4;
      const CALLS = 40;
      const LIMIT = 100;
      const modules = ['../../src/store/open-stores.js', '../../src/core/issue-token.js'].map((m) => new URL(m, import.meta.url).href);
      const workers = Array.from({ length: PROCESSES }, (_, i) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER, ...modules, dir, `p${i}`, String(CALLS), String(LIMIT)], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const ready = new Promise<void>((resolve) => child.stdout.on('data', () => out.startsWith('ready') && resolve()));
        const done = new Promise<string[]>((resolve, reject) =>
          child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1]!)) : reject(new Error(`worker exited ${code}: ${out}`)))),
        );
        return { child, ready, done };
      });
      // Every process has opened the database before any starts, so their calls overlap.
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.stdin.end('go\n');
      const outcomes = (await Promise.all(workers.map((w) => w.done))).flat();

      assert.deepEqual(tally(outcomes), { inserted: LIMIT, limit: PROCESSES * CALLS - LIMIT });
      const stores = await openStores({ dataDir: dir });
      const live = await stores.tokens.list({ resource: { kind: 'edge-config', id: 'ecfg_shared' }, status: 'active', limit: 10_000, now: Date.now() });
      await stores.close();
      assert.equal(live.items.length, LIMIT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
