import { AppError } from '../core/errors.js';
import { tokenInputProblem } from '../core/token-input.js';
import type { CreditRefill, RateLimitRule, ResourceRef, TokenStatus, TokenType } from '../core/token.js';
import type { TeamRef } from './access-policy.js';

export interface CreateTokenInput {
  name: string;
  type?: TokenType;
  origin?: string;
  scopes?: string[];
  expiresAt?: number | null;
  team?: TeamRef;
  /** Admins may issue tokens that belong to another user. */
  ownerUserId?: string;
  resource?: ResourceRef | null;
  environment?: string | null;
  projects?: string[];
  metadata?: Record<string, unknown>;
  ipAllowlist?: string[];
  /** A balance of its own, in 10⁻⁹ credits; charged by verifications while `creditsActive` (default on when given). */
  credits?: bigint | null;
  creditsActive?: boolean;
  /** Draw from the shared pool of the owner (the team, else the user) instead of a balance of its own. */
  creditPool?: boolean;
  refill?: CreditRefill | null;
  rateLimits?: RateLimitRule[];
  /**
   * Derives the secret from this text and the server key instead of drawing it at random,
   * so a replay of the same idempotent request can answer the same secret without it ever
   * being stored.
   */
  secretMaterial?: string;
}

export interface ListTokensInput {
  team?: TeamRef;
  type?: string;
  status?: TokenStatus;
  /** Only names starting with this (exactly, case and all). */
  namePrefix?: string;
  /**
   * Only this user's tokens, within what the listing shows anyway: a filter never widens it, but
   * for an admin, whose listing without a team is every token (`all`) or this user's in every team.
   */
  ownerUserId?: string;
  /** Admins only: every token of the installation (with `ownerUserId`, that user's anywhere). */
  all?: boolean;
  limit: number;
  cursor?: string;
}

/** Whether a new token holds or may spend credits: setting that up, like changing a balance, needs `credits:write`. */
export function grantsCredits(input: CreateTokenInput): boolean {
  return (input.credits ?? null) !== null || input.creditsActive === true || (input.refill ?? null) !== null || input.creditPool === true;
}

export function assertValid(input: Parameters<typeof tokenInputProblem>[0], now: number): void {
  const problem = tokenInputProblem(input, now);
  if (problem) throw new AppError('VALIDATION_ERROR', problem);
}
