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
  readonly id: string;
  readonly digest: Buffer;
  readonly name: string;
  readonly type: string;
  readonly origin: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly scopes: readonly string[];
  readonly resource: Readonly<ResourceRef> | null;
  readonly environment: string | null;
  readonly projects: readonly string[];
  readonly ownerUserId: string;
  readonly teamId: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly ipAllowlist: readonly string[];
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly activeAt: number | null;
  /** Verifications and management calls it passed; written behind in batches, like activeAt. */
  readonly useCount: number;
  /** When set, the token stops verifying from this instant; a rotation sets it in the future. */
  readonly revokedAt: number | null;
  /** When a leak was first reported (GitHub, GitLab, the public report); what it did is in revokedAt and the audit log. */
  readonly leakedAt: number | null;
  /** Where the leak was seen, as the first report said. */
  readonly leakedUrl: string | null;
  /** Suspended by itself (`POST /v1/tokens/{id}/disable`): answers DISABLED until enabled again; not a revocation. */
  readonly disabledAt: number | null;
  /**
   * Its owner is disabled (`POST /v1/users/{id}/disable`): kept on the token, set on all the user's
   * tokens in one statement, so verify decides from the token's row alone. Apart from `disabledAt`,
   * so enabling the user leaves a token suspended on its own suspended.
   */
  readonly ownerDisabledAt: number | null;
  readonly parentId: string | null;
  readonly rotatedFromId: string | null;
  /** Balance in 10⁻⁹ credits; null when the token has none of its own. */
  readonly credits: bigint | null;
  /** When on, verifications charge the balance and stop at 0 (`USAGE_EXCEEDED`). */
  readonly creditsActive: boolean;
  /** The owner (user or team id) whose shared pool this token draws from instead of a balance of its own. */
  readonly creditPool: string | null;
  readonly refill: Readonly<CreditRefill> | null;
  readonly lastRefillAt: number | null;
  readonly rateLimits: readonly RateLimitRule[];
}

export type TokenStatus = 'active' | 'revoked' | 'expired' | 'disabled';
export const TOKEN_STATUSES = ['active', 'revoked', 'expired', 'disabled'] as const satisfies readonly TokenStatus[];

/**
 * A leak alone does not revoke: what happens to a leaked token is its leak policy's action
 * (core/leak-policy.ts), which sets revokedAt when it revokes; a `notify` policy leaves it working.
 */
export function isRevoked(token: Pick<TokenRecord, 'revokedAt'>, now: number): boolean {
  return token.revokedAt !== null && token.revokedAt <= now;
}

/**
 * Suspended, by itself or with its owner. `!= null` rather than `!== null`: a view from a server
 * older than suspension (the SDK's in-process verifier reads views) has neither field.
 */
export function isDisabled(token: Pick<TokenRecord, 'disabledAt' | 'ownerDisabledAt'>): boolean {
  return token.disabledAt != null || token.ownerDisabledAt != null;
}

export function isExpired(token: Pick<TokenRecord, 'expiresAt'>, now: number): boolean {
  return token.expiresAt !== null && token.expiresAt <= now;
}

export function tokenStatus(token: TokenRecord, now: number): TokenStatus {
  if (isRevoked(token, now)) return 'revoked';
  if (isDisabled(token)) return 'disabled';
  if (isExpired(token, now)) return 'expired';
  return 'active';
}
