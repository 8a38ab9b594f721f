import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metadataProblem } from './metadata.js';

describe('metadata limits', () => {
  it('refuses nesting past 16 levels and more than 16 kB, without overflowing on hostile depth', () => {
    const nest = (depth: number): Record<string, unknown> => (depth === 1 ? { leaf: 1 } : { a: nest(depth - 1) });
    assert.equal(metadataProblem(nest(16)), undefined);
    assert.match(metadataProblem(nest(17))!, /nested deeper/);
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    assert.match(metadataProblem(deep)!, /nested deeper/);
    assert.match(metadataProblem({ blob: 'x'.repeat(16 * 1024) })!, /16 kB/);
    assert.equal(metadataProblem({ blob: 'x'.repeat(16 * 1024 - 20) }), undefined);
  });
});
