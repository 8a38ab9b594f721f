import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartDelay } from './restart-delay.js';

describe('restartDelay', () => {
  it('doubles with each death within a minute, up to 30 s', () => {
    const now = 1_000_000;
    assert.equal(restartDelay([now], now), 100);
    assert.equal(restartDelay([now - 5000, now], now), 200);
    assert.equal(restartDelay([now - 9000, now - 5000, now], now), 400);
    assert.equal(
      restartDelay(
        Array.from({ length: 20 }, (_, i) => now - i * 100),
        now,
      ),
      30_000,
    );
  });

  it('forgets deaths older than a minute', () => {
    const now = 1_000_000;
    assert.equal(restartDelay([now - 120_000, now - 61_000, now], now), 100);
  });
});
