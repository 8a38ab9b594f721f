import { parseCredits } from '../core/credits.js';
import { AppError } from '../core/errors.js';
import type { CreditRefill } from '../core/token.js';

/** A decimal amount from a request, in 10⁻⁹ credits; a 400 naming the field when it is out of range. */
export function creditsInput(text: string, field: string): bigint {
  const nanos = parseCredits(text);
  if (nanos === undefined) throw new AppError('VALIDATION_ERROR', `${field} must be a decimal of at most 10^9 with up to 9 fraction digits`);
  return nanos;
}

export function refillInput(refill: { amount: string; interval: CreditRefill['interval']; dayOfMonth?: number } | null, field = 'refill'): CreditRefill | null {
  if (refill === null) return null;
  const amount = creditsInput(refill.amount, `${field}.amount`);
  if (amount < 0n) throw new AppError('VALIDATION_ERROR', `${field}.amount must not be negative`);
  if (refill.interval === 'daily' && refill.dayOfMonth !== undefined) {
    throw new AppError('VALIDATION_ERROR', `${field}.dayOfMonth is for monthly refills`);
  }
  return { amount, interval: refill.interval, dayOfMonth: refill.interval === 'monthly' ? (refill.dayOfMonth ?? 1) : null };
}
