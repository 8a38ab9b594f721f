import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import type { TokenRecord } from '../../src/core/token.js';
import { ChangeFeed } from '../../src/service/change-feed.js';
import { decodeChange, encodeChange, type ChangeSignal } from '../../src/service/change-feed.js';
import { PostgresChangeSignal } from '../../src/adapters/postgres/postgres-change-signal.js';
import { RedisChangeSignal } from '../../src/adapters/redis/redis-change-signal.js';
import { systemRuntime } from '../../src/service/runtime.js';
import { TokenCache } from '../../src/service/token-cache.js';
import { openStores } from '../../src/store/open-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { postgresTestUrl } from '../support/postgres.js';
import { redisTestServer } from '../support/redis.js';
import { waitFor } from '../support/wait-for.js';
import { Redis } from 'ioredis';

const digest = (n: number) => Buffer.alloc(32, n);
/** A changed api token of one user, as the log records it. */
const changed = (n: number) => ({ digest: digest(n), type: 'api', ownerUserId: 'usr_1', teamId: null });
const key = (n: number) => digest(n).toString('base64url');

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

interface SignalBackend {
  stores: Stores;
  signal(name: string): ChangeSignal;
  /** Cuts the named node's listening connection; how many were cut. */
  kill(name: string): Promise<number>;
  cleanup(): Promise<void>;
}

/** Two nodes on one store, each with its own cache and signal: what one publishes, the other evicts. */
function signalSuite(title: string, open: () => Promise<SignalBackend | string>) {
  const opened = open();
  describe(title, async () => {
    const backend = await opened;
    const skip = typeof backend === 'string' ? backend : false;
    const nodes: Node[] = [];

    async function node(name: string): Promise<Node> {
      const { stores, signal } = backend as SignalBackend;
      const cache = new TokenCache({ maxEntries: 100, ttlMs: 60_000 });
      const states: boolean[] = [];
      const feed = new ChangeFeed(
        { log: stores.changes, cache, runtime: systemRuntime, signal: signal(name), onStateChange: (live) => states.push(live) },
        // A poll far slower than the test: what arrives in time arrived by the signal.
        { pollMs: 60_000, retentionMs: 3_600_000 },
      );
      await feed.start();
      await waitFor(`${name} listening`, () => feed.live || undefined, 5_000);
      const created = { cache, feed, states };
      nodes.push(created);
      return created;
    }

    after(async () => {
      for (const n of nodes) await n.feed.close();
      if (typeof backend !== 'string') await backend.cleanup();
    });

    it('evicts on the other node within moments of a publish', { skip }, async () => {
      const { stores } = backend as SignalBackend;
      const a = await node('tessera-test-a');
      const b = await node('tessera-test-b');
      b.cache.set(key(1), { id: 'tok_1' } as TokenRecord, Date.now());
      await a.feed.publish([changed(1)]);
      await waitFor('b evicted the published digest', () => b.cache.get(key(1), Date.now()) === undefined || undefined, 1_000);
      assert.equal(b.feed.lastSeq, await stores.changes.latest());
    });

    it('stops serving its cache when its connection is killed, and catches up on what it missed', { skip }, async () => {
      const { stores, kill } = backend as SignalBackend;
      const [a, b] = nodes as [Node, Node];
      b.cache.set(key(2), { id: 'tok_2' } as TokenRecord, Date.now());
      assert.equal(await kill('tessera-test-b'), 1, 'one connection to cut');
      await waitFor('b noticed', () => !b.feed.live || undefined, 2_000);
      assert.equal(b.cache.get(key(2), Date.now()), undefined, 'nothing is served while deaf');
      // Changed elsewhere while b may not hear it: the log tells b.
      await a.feed.publish([changed(3)]);
      await waitFor('b listening again', () => b.feed.live || undefined, 5_000);
      assert.equal(b.feed.lastSeq, await stores.changes.latest(), 'b read what it missed before trusting its cache');
      assert.deepEqual(b.states.slice(-2), [false, true]);
      b.cache.set(key(4), { id: 'tok_4' } as TokenRecord, Date.now());
      assert.equal(b.cache.get(key(4), Date.now())?.id, 'tok_4', 'the cache serves again');
    });
  });
}

signalSuite('PostgreSQL NOTIFY between two nodes', async () => {
  const db = await postgresTestUrl();
  if ('skip' in db) return db.skip;
  const stores = await openStores({ dataDir: '', databaseUrl: db.url });
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  return {
    stores,
    signal: (name) => new PostgresChangeSignal(db.url, name),
    kill: async (name) =>
      (await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()', [name]))
        .rowCount ?? 0,
    cleanup: async () => {
      await admin.end();
      await stores.close();
      await db.drop();
    },
  };
});

signalSuite('Redis pub/sub between two nodes', async () => {
  const server = await redisTestServer();
  if ('skip' in server) return server.skip;
  const stores = createMemoryStores();
  const logId = await stores.changes.logId();
  const admin = new Redis(server.url);
  // Names unique to this run: another test file may be subscribed on the same Redis.
  const run = logId.slice(0, 6);
  return {
    stores,
    signal: (name) => new RedisChangeSignal(server.url, logId, `${name}-${run}`),
    kill: async (name) => {
      const clients = ((await admin.client('LIST')) as string).split('\n').filter((line) => line.includes(` name=${name}-${run} `));
      for (const line of clients) await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
      return clients.length;
    },
    cleanup: async () => {
      admin.disconnect();
      await server.cleanup();
    },
  };
});
