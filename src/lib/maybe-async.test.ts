import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { andThen } from './maybe-async.js';

describe('andThen', () => {
  it('goes on at once with a value that is here, and later with a promise', async () => {
    const now = andThen(2, (n) => n * 3);
    assert.equal(now, 6);
    const later = andThen(Promise.resolve(2), (n) => n * 3);
    assert.ok(later instanceof Promise);
    assert.equal(await later, 6);
    // A next step that must wait makes the whole a promise, whatever came before.
    const chained = andThen(2, (n) => Promise.resolve(n + 1));
    assert.ok(chained instanceof Promise);
    assert.equal(await chained, 3);
    await assert.rejects(andThen(Promise.reject(new Error('store down')), () => 1) as Promise<number>, /store down/);
  });
});
