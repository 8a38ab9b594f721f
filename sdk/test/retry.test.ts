import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, retryPolicy, shouldRetry } from '../src/retry.js';

describe('shouldRetry', () => {
  it('repeats only what acts at most once, unless the request surely never left', () => {
    const cases: [Parameters<typeof shouldRetry>, boolean][] = [
      [[{ status: 429 }, true, false], true],
      [[{ status: 503 }, true, false], true],
      [[{ status: 429 }, false, false], false],
      [[{ status: 503 }, false, false], false],
      [[{ failure: 'lost' }, true, false], true],
      [[{ failure: 'timeout' }, true, false], true],
      [[{ failure: 'lost' }, false, false], false],
      [[{ failure: 'timeout' }, false, false], false],
      [[{ failure: 'refused' }, false, false], true],
      [[{ status: 409 }, true, false], false],
      [[{ status: 409 }, true, true], true],
      [[{ status: 409 }, false, true], false],
      [[{ status: 500 }, true, true], false],
      [[{ status: 400 }, true, false], false],
      [[{ status: 404 }, true, false], false],
    ];
    for (const [args, expected] of cases) assert.equal(shouldRetry(...args), expected, JSON.stringify(args));
  });
});

describe('retryDelayMs', () => {
  const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };

  it('waits a random part of a ceiling that doubles with each attempt, up to maxDelayMs', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, policy, 0.999999)),
      [99, 199, 399, 799, 999],
    );
    assert.equal(retryDelayMs(3, policy, 0), 0);
    assert.equal(retryDelayMs(3, policy, 0.5), 200);
  });

  it('never waits less than Retry-After, and gives up when the server asks for longer than maxDelayMs', () => {
    assert.equal(retryDelayMs(1, policy, 0.5, 700), 700);
    assert.equal(retryDelayMs(4, policy, 0.999999, 10), 799);
    assert.equal(retryDelayMs(1, policy, 0.5, 1000), 1000);
    assert.equal(retryDelayMs(1, policy, 0.5, 1001), undefined);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter(new Date(now + 5000).toUTCString(), now), 5000);
    assert.equal(parseRetryAfter(new Date(now - 5000).toUTCString(), now), 0);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter('-1', now), undefined);
  });
});

describe('retryPolicy', () => {
  it('fills in defaults, and `false` means one attempt', () => {
    assert.deepEqual(retryPolicy(undefined), DEFAULT_RETRY);
    assert.deepEqual(retryPolicy({ maxAttempts: 5 }), { ...DEFAULT_RETRY, maxAttempts: 5 });
    assert.equal(retryPolicy(false).maxAttempts, 1);
  });
});
