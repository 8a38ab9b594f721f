import type { ResourceRef, TokenStatus } from '../../src/core/token.js';
import type { VerifyCode } from '../../src/core/verify.js';

export type { ResourceRef, VerifyCode };

/** A token as `POST /v1/verify` shows it: its metadata, never its secret. */
export interface TokenView {
  id: string;
  name: string;
  type: string;
  origin: string;
  prefix: string;
  /** The last four characters of the secret. */
  suffix: string;
  status: TokenStatus;
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
  useCount: number;
  revokedAt: number | null;
  leakedAt: number | null;
  leakedUrl: string | null;
  /** Suspended by itself (answers DISABLED until enabled); absent from servers older than suspension. */
  disabledAt?: number | null;
  /** Its owner is disabled (answers DISABLED until the owner is enabled). */
  ownerDisabledAt?: number | null;
  parentId: string | null;
  rotatedFromId: string | null;
  /** The balance, a decimal string; null when the token has none. */
  credits: string | null;
  creditsActive: boolean;
  creditPool: string | null;
  refill: { amount: string; interval: 'daily' | 'monthly'; dayOfMonth: number | null } | null;
  lastRefillAt: number | null;
  rateLimits: { name: string; limit: number; durationMs: number }[];
}

/** What the calling API requires of a presented key; each is checked only when given. */
export interface VerifyRequirements {
  scopes?: string[];
  resource?: ResourceRef;
  environment?: string;
  project?: string;
  /** The end client's address, for the token's IP allowlist and tessera's guard against guessing. */
  ip?: string;
  /** Credits this call costs, a decimal string (default "1"; "0" checks without charging). */
  cost?: string;
  /** Which of the token's rate limits this call spends, each with a cost (default 1); all, at cost 1, when not given. */
  rateLimits?: { name: string; cost?: number }[];
  /**
   * Up to 10 tags (1–64 of `A-Z a-z 0-9 . _ : / @ = + -`) the server's analytics can group this
   * verification by. Sent with every verification that reaches the server; one the in-process
   * verifier answers from memory is not counted there.
   */
  tags?: string[];
}

/** A rate limit's state after the call: the tightest one applied, or the one that refused it. */
export interface RateLimitState {
  name: string;
  limit: number;
  remaining: number;
  /** When the whole limit is available again, in ms since the epoch. */
  resetAt: number;
}

/** What `POST /v1/verify` answers (always with status 200). */
export interface VerifyAnswer {
  valid: boolean;
  code: VerifyCode;
  /** The token, when valid. */
  token?: TokenView;
  /** Credits left after this call (metered tokens only). */
  remaining?: string;
  rateLimit?: RateLimitState;
}

/**
 * Anything that can verify a key: the SDK's HTTP client or its in-process verifier. A refusal is
 * an answer (`valid: false`); a verifier throws only when it cannot answer at all.
 */
export interface KeyVerifier {
  verify(secret: string, requirements?: VerifyRequirements): Promise<VerifyAnswer>;
}

/** A verify answer read from the server's JSON, checked for the two fields every answer has. */
export function answerOf(body: unknown): VerifyAnswer {
  const answer = body as VerifyAnswer;
  if (typeof answer?.valid !== 'boolean' || typeof answer.code !== 'string') throw new Error('not a verify answer');
  return answer;
}
