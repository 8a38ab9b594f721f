import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestSecret, digestsEqual } from './digest.js';

describe('digest', () => {
  it('is SHA-256 of the whole text', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    assert.equal(digestSecret('abc').toString('hex'), abc);
  });

  it('compares in constant time, refusing different lengths', () => {
    assert.equal(digestsEqual(digestSecret('a'), digestSecret('a')), true);
    assert.equal(digestsEqual(digestSecret('a'), digestSecret('b')), false);
    assert.equal(digestsEqual(digestSecret('a'), digestSecret('a').subarray(1)), false);
  });
});
