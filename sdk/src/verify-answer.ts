/** A token as tessera shows it (the `token` of a verify answer): every field but the secret's digest. */
export interface TokenView {
  id: string;
  name: string;
  type: string;
  origin: string;
  prefix: string;
  suffix: string;
  status: 'active' | 'revoked' | 'expired';
  scopes: string[];
  resource: { kind: string; id: string } | null;
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
  parentId: string | null;
  rotatedFromId: string | null;
  credits: string | null;
  creditsActive: boolean;
  creditPool: string | null;
  refill: { amount: string; interval: 'daily' | 'monthly'; dayOfMonth: number | null } | null;
  lastRefillAt: number | null;
  rateLimits: Array<{ name: string; limit: number; durationMs: number }>;
}

export type VerifyCode = 'VALID' | 'NOT_FOUND' | 'REVOKED' | 'EXPIRED' | 'INSUFFICIENT_PERMISSIONS' | 'FORBIDDEN' | 'RATE_LIMITED' | 'USAGE_EXCEEDED';

/** What the calling API requires of a key, as `POST /v1/verify` takes it; each is checked only when given. */
export interface VerifyRequirements {
  scopes?: string[];
  resource?: { kind: string; id: string };
  environment?: string;
  project?: string;
  /** The end client's address, for IP allowlists. */
  ip?: string;
  /** Credits this call costs, a decimal string (default "1"; "0" checks without charging). Only metered tokens are charged. */
  cost?: string;
  /** Which of the token's rate limits this call spends, each with a cost (default 1); all, at cost 1, when not given. */
  rateLimits?: Array<{ name: string; cost?: number }>;
}

/** What `POST /v1/verify` answers. */
export interface VerifyAnswer {
  valid: boolean;
  code: VerifyCode;
  token?: TokenView;
  /** Credits left after this call (metered tokens only). */
  remaining?: string;
  /** The tightest of the rate limits applied, or the one that refused the call. */
  rateLimit?: { name: string; limit: number; remaining: number; resetAt: number };
}

/** Anything that answers verifications as `POST /v1/verify` does: the client, the in-process verifier. */
export interface KeyVerifier {
  verify(secret: string, requirements?: VerifyRequirements): Promise<VerifyAnswer>;
}

/** A verify answer read from the server's JSON, checked for the two fields every answer has. */
export function answerOf(body: unknown): VerifyAnswer {
  const answer = body as VerifyAnswer;
  if (typeof answer?.valid !== 'boolean' || typeof answer.code !== 'string') throw new Error('not a verify answer');
  return answer;
}
