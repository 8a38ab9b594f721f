import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDepthProblem } from './json-depth.js';

describe('JSON depth', () => {
  it('counts objects and arrays from the value itself, iteratively', () => {
    assert.equal(jsonDepthProblem('text', 0), undefined);
    assert.equal(jsonDepthProblem(null, 0), undefined);
    assert.equal(jsonDepthProblem({ a: 1, b: [] }, 2), undefined);
    assert.notEqual(jsonDepthProblem({ a: 1, b: [] }, 1), undefined);
    assert.notEqual(jsonDepthProblem([[[1]]], 2), undefined);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.notEqual(jsonDepthProblem(deep, 32), undefined);
  });
});
