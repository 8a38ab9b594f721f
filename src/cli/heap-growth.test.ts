import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from './heap-growth.js';

describe('heapGrowthFlag', () => {
  it('asks V8 to grow the heap by half of what is live', () => {
    assert.equal(HEAP_GROWING_PERCENT, 50);
    assert.equal(heapGrowthFlag(['--enable-source-maps']), '--heap-growing-percent=50');
  });

  it("leaves a value given on Node's command line alone, spelled either way", () => {
    assert.equal(heapGrowthFlag(['--heap-growing-percent=200']), undefined);
    assert.equal(heapGrowthFlag(['--heap_growing_percent=10']), undefined);
    assert.equal(heapGrowthFlag(['--heap-growing-percent', '10']), undefined);
    assert.equal(heapGrowthFlag(['--heap-growing-percentage=10']), '--heap-growing-percent=50');
  });
});
