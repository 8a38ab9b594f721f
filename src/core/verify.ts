import { ipAllowed } from './ip-allowlist.js';
import { missingScopes } from './scopes.js';
import { isDisabled, isExpired, isRevoked, type ResourceRef, type TokenRecord } from './token.js';

/** Analytics stores an outcome by its index here: a new code goes at the end, none ever moves. */
export const VERIFY_CODES = [
  'VALID',
  'NOT_FOUND',
  'REVOKED',
  'EXPIRED',
  'INSUFFICIENT_PERMISSIONS',
  'FORBIDDEN',
  'RATE_LIMITED',
  'USAGE_EXCEEDED',
  'DISABLED',
] as const;
export type VerifyCode = (typeof VERIFY_CODES)[number];

/** What the calling API requires of the presented token. Each requirement is checked only when given. */
export interface Requirements {
  scopes?: string[];
  resource?: ResourceRef;
  environment?: string;
  project?: string;
  /** The end client's address, checked against the token's IP allowlist. */
  ip?: string;
}

/** Whether a token is good for a call, and the code that says why (not). */
export type Verdict = { valid: true; code: 'VALID' } | { valid: false; code: Exclude<VerifyCode, 'VALID'> };

/**
 * The verify decision, in the order DESIGN.md fixes: exists → revoked/leaked → disabled → expired →
 * resource, environment, project, scopes → IP rules. Pure: the caller looked the token up; rate
 * limits and credits (RATE_LIMITED, USAGE_EXCEEDED) follow, in VerifyService.
 */
export function decideVerify(token: TokenRecord | undefined, required: Requirements, now: number): Verdict {
  if (!token) return { valid: false, code: 'NOT_FOUND' };
  if (isRevoked(token, now)) return { valid: false, code: 'REVOKED' };
  if (isDisabled(token)) return { valid: false, code: 'DISABLED' };
  if (isExpired(token, now)) return { valid: false, code: 'EXPIRED' };
  if (!meetsPermissions(token, required)) return { valid: false, code: 'INSUFFICIENT_PERMISSIONS' };
  if (token.ipAllowlist.length > 0 && (required.ip === undefined || !ipAllowed(token.ipAllowlist, required.ip))) {
    return { valid: false, code: 'FORBIDDEN' };
  }
  return { valid: true, code: 'VALID' };
}

function meetsPermissions(token: TokenRecord, required: Requirements): boolean {
  const { resource, environment, project, scopes } = required;
  if (resource && (token.resource?.kind !== resource.kind || token.resource.id !== resource.id)) return false;
  // A token without an environment or project list is not restricted to any.
  if (environment !== undefined && token.environment !== null && token.environment !== environment) return false;
  if (project !== undefined && token.projects.length > 0 && !token.projects.some((p) => p === '*' || p === project)) {
    return false;
  }
  return !scopes || missingScopes(token.scopes, scopes).length === 0;
}
