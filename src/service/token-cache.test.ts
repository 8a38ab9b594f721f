import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TokenRecord } from '../core/token.js';
import { TokenCache } from './token-cache.js';

const record = (id: string) => ({ id }) as TokenRecord;

describe('TokenCache', () => {
  it('tells a miss (undefined) from a cached unknown token (null)', () => {
    const cache = new TokenCache({ maxEntries: 10, ttlMs: 1000 });
    assert.equal(cache.get('k', 0), undefined);
    cache.set('k', null, 0);
    assert.equal(cache.get('k', 0), null);
  });

  it('expires entries after the ttl', () => {
    const cache = new TokenCache({ maxEntries: 10, ttlMs: 1000 });
    cache.set('k', record('tok_1'), 0);
    assert.equal(cache.get('k', 999)?.id, 'tok_1');
    assert.equal(cache.get('k', 1000), undefined);
    assert.equal(cache.size, 0);
  });

  it('stays within its bound, evicting the oldest first but sparing once an entry served since it was stored', () => {
    const cache = new TokenCache({ maxEntries: 2, ttlMs: 1000 });
    cache.set('a', record('tok_a'), 0);
    cache.set('b', record('tok_b'), 0);
    cache.get('a', 0);
    cache.set('c', record('tok_c'), 0);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b', 0), undefined);
    assert.equal(cache.get('a', 0)?.id, 'tok_a');
    assert.equal(cache.get('c', 0)?.id, 'tok_c');
    // c and a have both been served since: both are spared, and d, stored but never served, goes.
    cache.set('d', record('tok_d'), 0);
    assert.equal(cache.size, 2);
    assert.deepEqual([cache.get('a', 0)?.id, cache.get('c', 0)?.id, cache.get('d', 0)?.id], ['tok_a', 'tok_c', undefined]);
  });

  it('drops expired entries from the old end when storing, without waiting for their key to come back', () => {
    const cache = new TokenCache({ maxEntries: 100, ttlMs: 1000 });
    for (let i = 0; i < 50; i++) cache.set(`old${i}`, record(`tok_${i}`), 0);
    cache.set('late', record('tok_late'), 500);
    assert.equal(cache.size, 51);
    cache.set('new', record('tok_new'), 1000);
    // The 50 stored at 0 expired at 1000; the one stored at 500 has not.
    assert.equal(cache.size, 2);
    assert.equal(cache.get('late', 1000)?.id, 'tok_late');
  });

  it('evicts by digest key', () => {
    const cache = new TokenCache({ maxEntries: 10, ttlMs: 1000 });
    cache.set('a', record('tok_a'), 0);
    cache.set('b', record('tok_b'), 0);
    cache.delete('a');
    assert.equal(cache.get('a', 0), undefined);
    assert.equal(cache.get('b', 0)?.id, 'tok_b');
    assert.equal(cache.size, 1);
  });

  it('caches nothing with a bound of zero', () => {
    const cache = new TokenCache({ maxEntries: 0, ttlMs: 1000 });
    cache.set('a', record('tok_a'), 0);
    assert.equal(cache.get('a', 0), undefined);
  });

  it('keeps its order and answers while one key is stored again thousands of times behind a fresh oldest entry', () => {
    const cache = new TokenCache({ maxEntries: 3, ttlMs: 1_000_000 });
    cache.set('oldest', record('tok_oldest'), 0);
    for (let i = 0; i < 5000; i++) cache.set('again', record(`tok_again_${i}`), i);
    cache.set('last', record('tok_last'), 5000);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('again', 5000)?.id, 'tok_again_4999');
    // Past the bound the oldest goes first: 'oldest', stored before all the others and never served.
    cache.set('new', record('tok_new'), 5001);
    assert.deepEqual(
      ['oldest', 'again', 'last', 'new'].map((key) => cache.get(key, 5001)?.id),
      [undefined, 'tok_again_4999', 'tok_last', 'tok_new'],
    );
  });

  it('answers as the plain model does (the oldest first, in the order stored) over any run of stores, hits, deletes and time', () => {
    /** The policy in its plainest form: the Map's own order is the queue. */
    class Model {
      readonly entries = new Map<string, { token: TokenRecord; expiresAt: number; used: boolean }>();
      constructor(
        readonly max: number,
        readonly ttl: number,
      ) {}
      get(key: string, now: number) {
        const entry = this.entries.get(key);
        if (!entry || entry.expiresAt <= now) {
          this.entries.delete(key);
          return undefined;
        }
        entry.used = true;
        return entry.token;
      }
      set(key: string, token: TokenRecord, now: number) {
        this.entries.delete(key);
        this.entries.set(key, { token, expiresAt: now + this.ttl, used: false });
        for (const [k, entry] of this.entries) {
          const expired = entry.expiresAt <= now;
          if (!expired && this.entries.size <= this.max) return;
          this.entries.delete(k);
          if (!expired && entry.used) {
            entry.used = false;
            this.entries.set(k, entry);
          }
        }
      }
    }
    const key = fc.integer({ min: 0, max: 30 }).map((n) => `k${n}`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key }),
      fc.record({ kind: fc.constant('get' as const), key }),
      fc.record({ kind: fc.constant('delete' as const), key }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 400 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 3000 }), (max, ops) => {
        const cache = new TokenCache({ maxEntries: max, ttlMs: 1000 });
        const model = new Model(max, 1000);
        let now = 0;
        ops.forEach((o, i) => {
          if (o.kind === 'wait') now += o.ms;
          else if (o.kind === 'delete') {
            cache.delete(o.key);
            model.entries.delete(o.key);
          } else if (o.kind === 'set') {
            const token = record(`tok_${i}`);
            cache.set(o.key, token, now);
            model.set(o.key, token, now);
          } else assert.equal(cache.get(o.key, now), model.get(o.key, now), `op ${i}: get ${o.key} at ${now}`);
          assert.equal(cache.size, model.entries.size, `op ${i}: size`);
          assert.ok(cache.size <= max);
        });
      }),
      { numRuns: 200 },
    );
  });
});
