import { scopeCovers } from './scopes.js';

/**
 * What a personal token may do on tessera's own management API. Every management and dialect
 * route names the one scope it needs (in its OpenAPI `security`); a token gets `*` for all,
 * `tokens:*` for both token scopes, and a `:write` scope covers the `:read` of the same kind.
 */
export const MANAGEMENT_SCOPES = [
  'tokens:read',
  'tokens:write',
  'credits:read',
  'credits:write',
  'users:read',
  'users:write',
  'teams:read',
  'teams:write',
  'audit:read',
  'catalog:read',
  'catalog:write',
  'edge-configs:read',
  'edge-configs:write',
  /** An in-process verifier's snapshot and change stream (GET /v1/verifier/…). */
  'verifier:read',
  /**
   * Verification counts over time (GET /v1/analytics/verifications), of the tokens the caller may
   * read. Its own scope, not implied by `tokens:read`: a monitoring tool reads usage without token
   * names, scopes or metadata, and tokens made with `tokens:read` before analytics existed do not
   * gain a new read. Granted by `*` and `analytics:*`.
   */
  'analytics:read',
  /**
   * RFC 7662 introspection (POST /oauth/introspect): learning what any presented token is and
   * may do. A gateway's credential, and nothing more: a token with only this scope manages nothing.
   * Granted by `*` and `oauth:*` like any scope; no `:write` covers it.
   */
  'oauth:introspect',
  /** Lifecycle policies (GET/PUT /v1/policies, /v1/teams/{id}/policies): reading the rules, and setting them where the caller may. */
  'policies:read',
  'policies:write',
] as const;
export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number];

export function isManagementScope(scope: string): scope is ManagementScope {
  return (MANAGEMENT_SCOPES as readonly string[]).includes(scope);
}

/** Whether `granted` (a token's scopes) allow `needed`: directly, by a wildcard, or as the read of a granted write. */
export function grantsScope(granted: readonly string[], needed: string): boolean {
  const write = needed.endsWith(':read') ? `${needed.slice(0, -':read'.length)}:write` : undefined;
  return granted.some((g) => scopeCovers(g, needed) || (write !== undefined && scopeCovers(g, write)));
}

/** The scopes of `wanted` that `granted` does not allow: a token can hand on no more than it holds. */
export function scopesBeyond(granted: readonly string[], wanted: readonly string[]): string[] {
  // A wanted wildcard is within the grant only when a granted one covers its whole prefix (scopeCovers).
  return wanted.filter((scope) => !grantsScope(granted, scope));
}
