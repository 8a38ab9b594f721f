import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCredits, MAX_CREDITS, parseCredits } from './credits.js';
import { dueRefill, refillPeriodStart } from './refill.js';

describe('credits', () => {
  it('parse decimals to integers of 10⁻⁹ exactly', () => {
    assert.equal(parseCredits('1'), 1_000_000_000n);
    assert.equal(parseCredits('12.5'), 12_500_000_000n);
    assert.equal(parseCredits('0.000000001'), 1n);
    assert.equal(parseCredits('-3.25'), -3_250_000_000n);
    assert.equal(parseCredits('.5'), 500_000_000n);
    assert.equal(parseCredits('7.'), 7_000_000_000n);
    assert.equal(parseCredits('1000000000'), MAX_CREDITS);
  });

  it('refuse what is not such a decimal, or too large', () => {
    for (const bad of ['', '-', '.', 'abc', '1e3', '0.0000000001', '1,5', ' 1', '1000000000.000000001', '12345678901', '--1', '0x10']) {
      assert.equal(parseCredits(bad), undefined, bad);
    }
  });

  it('format back, shortest or with 9 places', () => {
    assert.equal(formatCredits(12_500_000_000n), '12.5');
    assert.equal(formatCredits(1n), '0.000000001');
    assert.equal(formatCredits(0n), '0');
    assert.equal(formatCredits(-3_250_000_000n), '-3.25');
    assert.equal(formatCredits(12_500_000_000n, { fractionDigits: 9 }), '12.500000000');
    assert.equal(formatCredits(0n, { fractionDigits: 9 }), '0.000000000');
  });

  it('add up 10⁹ times 0.000000001 to exactly 1', () => {
    const tiny = parseCredits('0.000000001')!;
    assert.equal(formatCredits(tiny * 1_000_000_000n), '1');
  });
});

describe('refill periods', () => {
  const at = (iso: string) => Date.parse(iso);

  it('start daily at 00:00 UTC', () => {
    assert.equal(refillPeriodStart({ interval: 'daily', dayOfMonth: null }, at('2026-03-05T17:30:00Z')), at('2026-03-05T00:00:00Z'));
    assert.equal(refillPeriodStart({ interval: 'daily', dayOfMonth: null }, at('2026-03-05T00:00:00Z')), at('2026-03-05T00:00:00Z'));
  });

  it("start monthly on the day, the month's last day when it is shorter, else in the month before", () => {
    const monthly = (day: number) => ({ interval: 'monthly' as const, dayOfMonth: day });
    assert.equal(refillPeriodStart(monthly(15), at('2026-03-20T00:00:00Z')), at('2026-03-15T00:00:00Z'));
    assert.equal(refillPeriodStart(monthly(15), at('2026-03-10T00:00:00Z')), at('2026-02-15T00:00:00Z'));
    assert.equal(refillPeriodStart(monthly(31), at('2026-02-28T12:00:00Z')), at('2026-02-28T00:00:00Z'));
    assert.equal(refillPeriodStart(monthly(31), at('2026-02-27T12:00:00Z')), at('2026-01-31T00:00:00Z'));
    assert.equal(refillPeriodStart(monthly(1), at('2026-01-01T00:00:00Z')), at('2026-01-01T00:00:00Z'));
    assert.equal(refillPeriodStart({ interval: 'monthly', dayOfMonth: null }, at('2026-01-01T00:00:00Z')), at('2026-01-01T00:00:00Z'));
  });

  it('are due once a period has begun since the last refill, counting creation as one', () => {
    const refill = { amount: 5n, interval: 'daily' as const, dayOfMonth: null };
    const createdAt = at('2026-03-05T10:00:00Z');
    assert.equal(dueRefill({ refill, lastRefillAt: null, createdAt }, at('2026-03-05T23:59:59Z')), undefined);
    assert.deepEqual(dueRefill({ refill, lastRefillAt: null, createdAt }, at('2026-03-06T00:00:00Z')), {
      periodStart: at('2026-03-06T00:00:00Z'),
      amount: 5n,
    });
    assert.equal(dueRefill({ refill, lastRefillAt: at('2026-03-06T00:00:00Z'), createdAt }, at('2026-03-06T08:00:00Z')), undefined);
    assert.equal(dueRefill({ refill: null, lastRefillAt: null, createdAt }, at('2026-04-01T00:00:00Z')), undefined);
  });
});
