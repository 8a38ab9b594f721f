import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LATEST_TIME_MS, tokenInputProblem } from './token-input.js';

describe('token input', () => {
  it('refuses an expiry that is not whole milliseconds from 0 to the end of year 9999', () => {
    // A clock before all of them, so only the bound can refuse them.
    const now = -10;
    for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY, -1, 1.5, 1_000_000.5, LATEST_TIME_MS + 1, 2 ** 53, 1e300]) {
      assert.notEqual(tokenInputProblem({ expiresAt }, now), undefined, String(expiresAt));
    }
    for (const expiresAt of [0, 1, LATEST_TIME_MS, null, undefined]) assert.equal(tokenInputProblem({ expiresAt }, now), undefined, String(expiresAt));
  });
});
