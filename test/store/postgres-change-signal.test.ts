import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { TokenRecord } from '../../src/core/token.js';
import { ChangeFeed } from '../../src/service/change-feed.js';
import { decodeChange, encodeChange, PostgresChangeSignal } from '../../src/service/postgres-change-signal.js';
import { systemRuntime } from '../../src/service/runtime.js';
import { TokenCache } from '../../src/service/token-cache.js';
import { openStores } from '../../src/store/open-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { postgresTestUrl } from '../support/postgres.js';

const digest = (n: number) => Buffer.alloc(32, n);
const key = (n: number) => digest(n).toString('base64url');

/** Resolves once `check` holds, polling every 5 ms; fails after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface Node {
  cache: TokenCache;
  feed: ChangeFeed;
  states: boolean[];
}

describe('change payloads', () => {
  it('round-trip, and anything else is ignored', () => {
    const change = { seq: 42, at: 1_700_000_000_000, digest: digest(9) };
    assert.deepEqual(decodeChange(encodeChange(change)), change);
    assert.equal(decodeChange('42 nope'), undefined);
    assert.equal(decodeChange(''), undefined);
  });
});

const db = await postgresTestUrl();
describe('PostgreSQL NOTIFY between two nodes', { skip: 'skip' in db ? db.skip : false }, () => {
  let stores: Stores;
  const nodes: Node[] = [];

  async function node(name: string): Promise<Node> {
    const cache = new TokenCache({ maxEntries: 100, ttlMs: 60_000 });
    const states: boolean[] = [];
    const feed = new ChangeFeed(
      {
        log: stores.changes,
        cache,
        runtime: systemRuntime,
        signal: new PostgresChangeSignal((db as { url: string }).url, name),
        onStateChange: (live) => states.push(live),
      },
      // A poll far slower than the test: what arrives in time arrived by NOTIFY.
      { pollMs: 60_000, retentionMs: 3_600_000 },
    );
    await feed.start();
    await until(() => feed.live, 5_000, `${name} listening`);
    const created = { cache, feed, states };
    nodes.push(created);
    return created;
  }

  before(async () => {
    if ('skip' in db) return;
    stores = await openStores({ dataDir: '', databaseUrl: db.url });
  });
  after(async () => {
    for (const n of nodes) await n.feed.close();
    await stores?.close();
    if (!('skip' in db)) await db.drop();
  });

  it('evicts on the other node within moments of a publish', async () => {
    const a = await node('tessera-test-a');
    const b = await node('tessera-test-b');
    b.cache.set(key(1), { id: 'tok_1' } as TokenRecord, Date.now());
    await a.feed.publish([digest(1)]);
    await until(() => b.cache.get(key(1), Date.now()) === undefined, 1_000, 'b evicted the published digest');
    assert.equal(b.feed.lastSeq, await stores.changes.latest());
  });

  it('stops serving its cache when its LISTEN connection is killed, and catches up on what it missed', async () => {
    const [a, b] = nodes as [Node, Node];
    const admin = new pg.Client({ connectionString: (db as { url: string }).url });
    await admin.connect();
    try {
      b.cache.set(key(2), { id: 'tok_2' } as TokenRecord, Date.now());
      const killed = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tessera-test-b' and datname = current_database()",
      );
      assert.equal(killed.rowCount, 1, 'one listener to kill');
      await until(() => !b.feed.live, 2_000, 'b noticed');
      assert.equal(b.cache.get(key(2), Date.now()), undefined, 'nothing is served while deaf');
      // Changed elsewhere while b cannot hear: only the log can tell b.
      await a.feed.publish([digest(3)]);
      await until(() => b.feed.live, 5_000, 'b listening again');
      assert.equal(b.feed.lastSeq, await stores.changes.latest(), 'b read what it missed before trusting its cache');
      assert.deepEqual(b.states.slice(-2), [false, true]);
      b.cache.set(key(4), { id: 'tok_4' } as TokenRecord, Date.now());
      assert.equal(b.cache.get(key(4), Date.now())?.id, 'tok_4', 'the cache serves again');
    } finally {
      await admin.end();
    }
  });
});
