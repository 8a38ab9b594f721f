import { DEFAULT_COST } from './credits.js';
import { dueRefill, type DueRefill } from './refill.js';
import type { TokenRecord } from './token.js';

/** Whose balance a charge draws on: a token's own, or the shared pool of an owner (user or team id). */
export type CreditHolder = { kind: 'token'; id: string } | { kind: 'pool'; id: string };

export interface ChargePlan {
  holder: CreditHolder;
  cost: bigint;
  refill?: DueRefill;
}

/**
 * What a verification of `token` must charge, or undefined when the token is not metered.
 * A token drawing from a pool charges the pool; one with active credits charges itself,
 * refilling first when a period has begun. The store applies the plan atomically.
 */
export function planCharge(token: TokenRecord, cost: bigint | undefined, now: number): ChargePlan | undefined {
  if (token.creditPool !== null) return { holder: { kind: 'pool', id: token.creditPool }, cost: cost ?? DEFAULT_COST };
  if (!token.creditsActive || token.credits === null) return undefined;
  const refill = dueRefill(token, now);
  return { holder: { kind: 'token', id: token.id }, cost: cost ?? DEFAULT_COST, ...(refill ? { refill } : {}) };
}
