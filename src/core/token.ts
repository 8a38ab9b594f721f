import type { RateLimitRule } from './rate-limit.js';

/** What kind of credential a token is; the kind decides the secret's prefix. */
export const TOKEN_TYPES = ['api', 'personal', 'resource'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const TOKEN_PREFIX: Record<TokenType, string> = {
  api: 'tsk',
  personal: 'tsr',
  resource: 'tsre',
};

/** Only personal tokens act for their owner on tessera's own management API. */
export function canManage(type: string): boolean {
  return type === 'personal';
}


export type { RateLimitRule };

export const REFILL_INTERVALS = ['daily', 'monthly'] as const;

/** Sets the balance back to `amount` once per period (days start at 00:00 UTC). */
export interface CreditRefill {
  amount: bigint;
  interval: (typeof REFILL_INTERVALS)[number];
  /** Monthly refills: the day of the month, 1–31 (the month's last day when it is shorter). */
  dayOfMonth: number | null;
}

export interface ResourceRef {
  kind: string;
  id: string;
}

/** A token as stored: metadata and the digest of its secret, never the secret. */
export interface TokenRecord {
  id: string;
  digest: Buffer;
  name: string;
  type: string;
  origin: string;
  prefix: string;
  suffix: string;
  scopes: string[];
  resource: ResourceRef | null;
  environment: string | null;
  projects: string[];
  ownerUserId: string;
  teamId: string | null;
  metadata: Record<string, unknown>;
  ipAllowlist: string[];
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
  activeAt: number | null;
  /** Verifications and management calls it passed; written behind in batches, like activeAt. */
  useCount: number;
  /** When set, the token stops verifying from this instant; a rotation sets it in the future. */
  revokedAt: number | null;
  leakedAt: number | null;
  leakedUrl: string | null;
  parentId: string | null;
  rotatedFromId: string | null;
  /** Balance in 10⁻⁹ credits; null when the token has none of its own. */
  credits: bigint | null;
  /** When on, verifications charge the balance and stop at 0 (`USAGE_EXCEEDED`). */
  creditsActive: boolean;
  /** The owner (user or team id) whose shared pool this token draws from instead of a balance of its own. */
  creditPool: string | null;
  refill: CreditRefill | null;
  lastRefillAt: number | null;
  rateLimits: RateLimitRule[];
}

export type TokenStatus = 'active' | 'revoked' | 'expired';
export const TOKEN_STATUSES = ['active', 'revoked', 'expired'] as const satisfies readonly TokenStatus[];

export function isRevoked(token: Pick<TokenRecord, 'revokedAt' | 'leakedAt'>, now: number): boolean {
  return token.leakedAt !== null || (token.revokedAt !== null && token.revokedAt <= now);
}

export function isExpired(token: Pick<TokenRecord, 'expiresAt'>, now: number): boolean {
  return token.expiresAt !== null && token.expiresAt <= now;
}

export function tokenStatus(token: TokenRecord, now: number): TokenStatus {
  if (isRevoked(token, now)) return 'revoked';
  if (isExpired(token, now)) return 'expired';
  return 'active';
}
