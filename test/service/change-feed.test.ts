import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../../src/core/token.js';
import type { ChangeLogStore, TokenChange } from '../../src/store/change-log-store.js';
import { MemoryChangeLogStore } from '../../src/store/memory/memory-change-log-store.js';
import { ChangeFeed, type ChangeSignal, type SignalHandlers } from '../../src/service/change-feed.js';
import { waitFor } from '../support/wait-for.js';
import { TokenCache } from '../../src/service/token-cache.js';

const digest = (n: number) => Buffer.alloc(32, n);
/** A changed api token of one user, as the log records it. */
const changed = (n: number) => ({ digest: digest(n), type: 'api', ownerUserId: 'usr_1', teamId: null });
const key = (n: number) => digest(n).toString('base64url');
const record = (n: number) => ({ id: `tok_${n}` }) as TokenRecord;

/** A signal the test drives: it announces what the test says, when the test says. */
class ManualSignal implements ChangeSignal {
  readonly name = 'manual';
  handlers: SignalHandlers | undefined;
  published: TokenChange[] = [];
  async publish(changes: readonly TokenChange[]) {
    this.published.push(...changes);
  }
  async listen(handlers: SignalHandlers) {
    this.handlers = handlers;
  }
  async close() {}
}

function setup(options: { signal?: ChangeSignal; now?: () => number } = {}) {
  const log = new MemoryChangeLogStore();
  const cache = new TokenCache({ maxEntries: 100, ttlMs: 60_000 });
  const lags: number[] = [];
  let now = 1_000;
  const feed = new ChangeFeed(
    {
      log,
      cache,
      runtime: { now: options.now ?? (() => now), randomBytes: (n) => new Uint8Array(n), sleep: async () => {} },
      ...(options.signal ? { signal: options.signal } : {}),
      observeLag: (ms) => lags.push(ms),
    },
    { pollMs: 60_000, retentionMs: 10_000 },
  );
  const fill = (...ns: number[]) => ns.forEach((n) => cache.set(key(n), record(n), now));
  return { log, cache, feed, lags, fill, advance: (ms: number) => (now += ms) };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ChangeFeed', () => {
  it('evicts a published token here, logs it and announces it', async () => {
    const signal = new ManualSignal();
    const { log, cache, feed, fill } = setup({ signal });
    fill(1, 2);
    await feed.publish([changed(1)]);
    assert.equal(cache.get(key(1), 1_000), undefined);
    assert.equal(cache.get(key(2), 1_000)?.id, 'tok_2');
    assert.deepEqual(
      (await log.since(0, 10)).map((c) => c.seq),
      [1],
    );
    assert.deepEqual(
      signal.published.map((c) => c.digest),
      [digest(1)],
    );
  });

  it('evicts what another node announces, in order, and measures how late it came', async () => {
    const signal = new ManualSignal();
    const other = setup();
    const { cache, feed, fill, lags, advance } = setup({ signal });
    await feed.start();
    signal.handlers!.onUp();
    await settle();
    fill(1, 2, 3);
    const [first, second] = await other.log.append([changed(1), changed(2)], 1_000);
    advance(40);
    signal.handlers!.onChange(first!);
    signal.handlers!.onChange(second!);
    assert.equal(cache.get(key(1), 1_040), undefined);
    assert.equal(cache.get(key(2), 1_040), undefined);
    assert.equal(cache.get(key(3), 1_040)?.id, 'tok_3');
    assert.equal(feed.lastSeq, 2);
    assert.deepEqual(lags, [40, 40]);
    await feed.close();
  });

  it('reads a skipped change from the log when a later number arrives first', async () => {
    const signal = new ManualSignal();
    const { log, cache, feed, fill } = setup({ signal });
    await feed.start();
    signal.handlers!.onUp();
    await settle();
    fill(1, 2);
    const [lost, later] = await log.append([changed(1), changed(2)], 1_000);
    assert.ok(lost);
    signal.handlers!.onChange(later!); // 2 without 1: the announcement of 1 went missing
    await feed.catchUp();
    assert.equal(cache.get(key(1), 1_000), undefined, 'the change only the log had was applied');
    assert.equal(cache.get(key(2), 1_000), undefined);
    assert.equal(feed.lastSeq, 2);
    await feed.close();
  });

  it('serves nothing from the cache while the signal is down, and trusts it again once caught up', async () => {
    const signal = new ManualSignal();
    const { log, cache, feed, fill } = setup({ signal });
    await feed.start();
    assert.equal(feed.live, false, 'not live before the first connection');
    signal.handlers!.onUp();
    await settle();
    assert.equal(feed.live, true);
    fill(1);
    signal.handlers!.onDown(new Error('connection terminated'));
    assert.equal(feed.live, false);
    assert.equal(cache.get(key(1), 1_000), undefined, 'the cache was dropped');
    fill(1);
    assert.equal(cache.get(key(1), 1_000), undefined, 'and takes nothing while suspended');
    await log.append([changed(1)], 1_000); // revoked elsewhere while this node was deaf
    signal.handlers!.onUp();
    await settle();
    await feed.catchUp();
    assert.equal(feed.live, true);
    assert.equal(feed.lastSeq, 1, 'the missed change was read from the log');
    fill(1);
    assert.equal(cache.get(key(1), 1_000)?.id, 'tok_1');
    await feed.close();
  });

  it('drops the whole cache when the changes it missed were pruned from the log', async () => {
    const { log, cache, feed, fill, advance } = setup();
    await feed.start();
    fill(7);
    await log.append([changed(1)], 1_000);
    await log.append([changed(2)], 1_000);
    advance(20_000);
    await log.prune(1_000 + 10_000); // 1 is gone; 2, the latest, is kept
    await feed.catchUp();
    assert.equal(cache.get(key(7), 21_000), undefined, 'an unrelated entry went too: change 1 is unknown');
    assert.equal(feed.lastSeq, 2);
    await feed.close();
  });

  it('stops trusting its cache while the log cannot be read, and trusts it again once it can', async () => {
    const log = new MemoryChangeLogStore();
    let broken = false;
    const flaky: ChangeLogStore = {
      append: (digests, at) => log.append(digests, at),
      since: (seq, limit) => (broken ? Promise.reject(new Error('store unreachable')) : log.since(seq, limit)),
      latest: () => log.latest(),
      logId: () => log.logId(),
      prune: (before) => log.prune(before),
    };
    const cache = new TokenCache({ maxEntries: 10, ttlMs: 60_000 });
    const states: boolean[] = [];
    const feed = new ChangeFeed(
      {
        log: flaky,
        cache,
        runtime: { now: () => 0, randomBytes: (n) => new Uint8Array(n), sleep: async () => {} },
        onError: () => {},
        onStateChange: (live) => states.push(live),
      },
      { pollMs: 5, retentionMs: 60_000 },
    );
    await feed.start();
    cache.set(key(1), record(1), 0);
    broken = true;
    await waitFor('the feed to stop trusting its cache', () => !feed.live || undefined, 2_000);
    assert.equal(cache.get(key(1), 0), undefined, 'dropped when the log could not be read');
    broken = false;
    await waitFor('the feed to trust its cache again', () => feed.live || undefined, 2_000);
    cache.set(key(1), record(1), 0);
    assert.equal(cache.get(key(1), 0)?.id, 'tok_1');
    assert.deepEqual(states, [false, true]);
    await feed.close();
  });

  it('is live without a signal: the log alone is read', async () => {
    const { feed } = setup();
    assert.equal(feed.live, true);
    assert.equal(feed.signalName, 'poll');
  });
});

describe('TokenCache epochs', () => {
  it('refuses a store read that began before an eviction', () => {
    const cache = new TokenCache({ maxEntries: 10, ttlMs: 1_000 });
    const before = cache.epoch;
    cache.delete(key(1)); // a revocation lands while the lookup waits on the store
    cache.set(key(1), record(1), 0, before);
    assert.equal(cache.get(key(1), 0), undefined);
    cache.set(key(1), record(1), 0, cache.epoch);
    assert.equal(cache.get(key(1), 0)?.id, 'tok_1');
  });
});
