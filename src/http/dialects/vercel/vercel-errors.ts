import type { ErrorCode } from '../../../core/errors.js';
import type { ErrorFormatter } from '../../error-handler.js';

const VERCEL_CODES: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'bad_request',
  INVALID_JSON: 'bad_request',
  UNAUTHORIZED: 'not_authorized',
  FORBIDDEN: 'forbidden',
  CSRF_TOKEN_INVALID: 'forbidden',
  NOT_FOUND: 'not_found',
  TOKEN_NOT_FOUND: 'not_found',
  USER_NOT_FOUND: 'not_found',
  EDGE_CONFIG_NOT_FOUND: 'not_found',
  PLAN_LIMIT_REACHED: 'payment_required',
  CONFLICT: 'conflict',
  USER_NAME_TAKEN: 'conflict',
  LAST_ADMIN: 'conflict',
  LAST_TEAM_OWNER: 'conflict',
  CANNOT_OFFBOARD_SELF: 'conflict',
  MEMBER_NOT_FOUND: 'not_found',
  IDEMPOTENCY_MISMATCH: 'bad_request',
  IDEMPOTENCY_OUTCOME_UNKNOWN: 'internal_server_error',
  RATE_LIMITED: 'rate_limited',
  BODY_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  UNAVAILABLE: 'service_unavailable',
  INTERNAL_ERROR: 'internal_server_error',
  POLICY_VIOLATION: 'bad_request',
};

/** Vercel's error body: `{error: {code, message}}` with its lower-case codes. */
export const vercelError: ErrorFormatter = ({ code, message }) => ({ error: { code: VERCEL_CODES[code], message } });
