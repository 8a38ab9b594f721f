/** Every error the API can answer, by code. Tests assert codes, never messages. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'UNAUTHORIZED',
  'FORBIDDEN',
  /** A state-changing request authenticated by the session cookie without its X-CSRF-Token. */
  'CSRF_TOKEN_INVALID',
  'NOT_FOUND',
  'TOKEN_NOT_FOUND',
  'USER_NOT_FOUND',
  'EDGE_CONFIG_NOT_FOUND',
  'PLAN_LIMIT_REACHED',
  'CONFLICT',
  /** Another user's name is the same but for case (issue 22). */
  'USER_NAME_TAKEN',
  /** The change would leave no enabled admin. */
  'LAST_ADMIN',
  /** The change would leave a team without an owner. */
  'LAST_TEAM_OWNER',
  /** An admin may not disable or delete their own user: someone else offboards them. */
  'CANNOT_OFFBOARD_SELF',
  'MEMBER_NOT_FOUND',
  'IDEMPOTENCY_MISMATCH',
  /**
   * A retry of a request whose first attempt with this Idempotency-Key failed (5xx): it may have
   * acted before failing, so it is not run again. Read the state; a new key acts again.
   */
  'IDEMPOTENCY_OUTCOME_UNKNOWN',
  'RATE_LIMITED',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNAVAILABLE',
  'INTERNAL_ERROR',
  /** A token that breaks a lifecycle policy (max lifetime, required expiry, allowed scopes); the message names the rule and its level. */
  'POLICY_VIOLATION',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_ERROR':
    case 'INVALID_JSON':
    case 'POLICY_VIOLATION':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
    case 'CSRF_TOKEN_INVALID':
      return 403;
    case 'NOT_FOUND':
    case 'TOKEN_NOT_FOUND':
    case 'USER_NOT_FOUND':
    case 'EDGE_CONFIG_NOT_FOUND':
    case 'MEMBER_NOT_FOUND':
      return 404;
    case 'PLAN_LIMIT_REACHED':
      return 402;
    case 'CONFLICT':
    case 'USER_NAME_TAKEN':
    case 'LAST_ADMIN':
    case 'LAST_TEAM_OWNER':
    case 'CANNOT_OFFBOARD_SELF':
      return 409;
    case 'IDEMPOTENCY_MISMATCH':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'BODY_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL_ERROR':
    case 'IDEMPOTENCY_OUTCOME_UNKNOWN':
      return 500;
  }
}

/** How long a refused caller should wait; durations, so no clock is needed to print them. */
export interface RateLimitHint {
  limit: number;
  remaining: number;
  /** Until the whole limit is available again. */
  resetAfterMs: number;
  /** Until this request would pass; Infinity when it never would. */
  retryAfterMs: number;
}

/** A failure the caller can act on, carried from a service to the HTTP layer. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For RATE_LIMITED: what the HTTP layer turns into Retry-After and RateLimit-* headers. */
    readonly rateLimit?: RateLimitHint,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
