import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});
