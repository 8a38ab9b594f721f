import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, httpStatusOf } from './errors.js';

describe('error codes', () => {
  it('each maps to one HTTP status', () => {
    const expected: Record<string, number> = {
      VALIDATION_ERROR: 400,
      INVALID_JSON: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      CSRF_TOKEN_INVALID: 403,
      NOT_FOUND: 404,
      TOKEN_NOT_FOUND: 404,
      USER_NOT_FOUND: 404,
      EDGE_CONFIG_NOT_FOUND: 404,
      PLAN_LIMIT_REACHED: 402,
      CONFLICT: 409,
      USER_NAME_TAKEN: 409,
      LAST_ADMIN: 409,
      LAST_TEAM_OWNER: 409,
      CANNOT_OFFBOARD_SELF: 409,
      MEMBER_NOT_FOUND: 404,
      IDEMPOTENCY_MISMATCH: 422,
      IDEMPOTENCY_OUTCOME_UNKNOWN: 500,
      RATE_LIMITED: 429,
      BODY_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      UNAVAILABLE: 503,
      INTERNAL_ERROR: 500,
      POLICY_VIOLATION: 400,
    };
    assert.deepEqual(Object.fromEntries(ERROR_CODES.map((c) => [c, httpStatusOf(c)])), expected);
  });
});
