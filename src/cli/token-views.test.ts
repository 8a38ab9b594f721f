import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRateLimit, parseRefill } from './token-inputs.js';
import { formatDuration, formatTime, parseDuration } from './table.js';
import { rotationLabels, type TokenView } from './token-views.js';

const token = (id: string, more: Partial<TokenView> = {}) => ({ id, status: 'active', revokedAt: null, rotatedFromId: null, ...more }) as TokenView;

describe('the CLI’s token views', () => {
  it('names the old and the new token of a rotation, and how long the old one lasts', () => {
    const now = Date.UTC(2026, 11, 5, 12);
    const labels = rotationLabels([token('tok_new', { rotatedFromId: 'tok_old' }), token('tok_old', { revokedAt: now + 3_600_000 }), token('tok_alone')], now);
    assert.equal(labels.get('tok_new'), 'new ← tok_old');
    assert.equal(labels.get('tok_old'), 'old → tok_new until 2026-12-05T13:00:00Z');
    assert.equal(labels.has('tok_alone'), false);
  });

  it('marks a token rotated twice as both, and an old one whose successor is not listed', () => {
    const now = 1_000;
    const labels = rotationLabels(
      [token('b', { rotatedFromId: 'a', revokedAt: now + 1 }), token('c', { rotatedFromId: 'b' }), token('x', { revokedAt: now + 1 })],
      now,
    );
    assert.equal(labels.get('b'), `new ← a; old → c until ${formatTime(now + 1)}`);
    assert.equal(labels.get('x'), `old until ${formatTime(now + 1)}`);
    const ended = rotationLabels([token('old', { status: 'revoked', revokedAt: now - 1 }), token('new', { rotatedFromId: 'old' })], now);
    assert.equal(ended.get('old'), 'old → new', 'a grace period that is over has no end to show');
  });

  it('prints times in ISO 8601 with their zone, and durations it can read back', () => {
    assert.equal(formatTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05Z');
    assert.equal(formatTime(null), '-');
    for (const ms of [1, 999, 1000, 90_000, 3_600_000, 86_400_000, 1_209_600_000]) assert.equal(parseDuration(formatDuration(ms)), ms);
    assert.equal(formatDuration(60_000), '1m');
  });

  it('reads rate limits and refills, naming what is wrong', () => {
    assert.deepEqual(parseRateLimit('requests=100/1m'), { name: 'requests', limit: 100, durationMs: 60_000 });
    assert.throws(() => parseRateLimit('requests=100'), /name=limit\/duration/);
    assert.throws(() => parseRateLimit('requests=0/1m'), /between 1 and/);
    assert.deepEqual(parseRefill('100/monthly/15'), { amount: '100', interval: 'monthly', dayOfMonth: 15 });
    assert.deepEqual(parseRefill('2.5/daily'), { amount: '2.5', interval: 'daily' });
    assert.throws(() => parseRefill('5/daily/3'), /only a monthly refill has a day/);
    assert.throws(() => parseRefill('5/weekly'), /daily, monthly/);
  });
});
