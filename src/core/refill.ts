import type { CreditRefill } from './token.js';

const DAY_MS = 86_400_000;

/** The instant the refill period holding `now` began: 00:00 UTC of the day, or of the month's refill day. */
export function refillPeriodStart(refill: Pick<CreditRefill, 'interval' | 'dayOfMonth'>, now: number): number {
  if (refill.interval === 'daily') return Math.floor(now / DAY_MS) * DAY_MS;
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const thisMonth = refillDay(year, month, refill.dayOfMonth ?? 1);
  return thisMonth <= now ? thisMonth : refillDay(year, month - 1, refill.dayOfMonth ?? 1);
}

function refillDay(year: number, month: number, day: number): number {
  const daysInMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(day, daysInMonth));
}

export interface DueRefill {
  /** The start of the period being refilled: the store refills only a holder last refilled before it. */
  periodStart: number;
  amount: bigint;
}

/**
 * The refill owed at `now`, if any. A token made inside a period counts as refilled at its
 * creation, so its first refill comes at the next period's start.
 */
export function dueRefill(holder: { refill: CreditRefill | null; lastRefillAt: number | null; createdAt: number }, now: number): DueRefill | undefined {
  if (!holder.refill) return undefined;
  const periodStart = refillPeriodStart(holder.refill, now);
  return (holder.lastRefillAt ?? holder.createdAt) < periodStart ? { periodStart, amount: holder.refill.amount } : undefined;
}
