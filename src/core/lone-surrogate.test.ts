import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasLoneSurrogate } from './lone-surrogate.js';

describe('lone surrogates', () => {
  it('are found in strings and keys at any depth; pairs, and text without surrogates, are not', () => {
    for (const value of ['\ud800', 'a\udfff', '\ude00\ud83d', '😀\ud83d', { '\udc00': 1 }, [[{ k: ['x', '\udbff'] }]]]) {
      assert.equal(hasLoneSurrogate(value), true, JSON.stringify(value));
    }
    for (const value of ['', 'plain', '😀', '\ud83d\ude00\ud83d\ude00', { '😀': ['é', 1, null, true] }, 12, null]) {
      assert.equal(hasLoneSurrogate(value), false, JSON.stringify(value));
    }
  });

  it('walks a value nested deeper than the stack would allow', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(hasLoneSurrogate(deep), true);
  });
});
