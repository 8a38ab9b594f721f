import { AppError } from '../core/errors.js';
import { grantsScope } from '../core/management-scopes.js';
import type { MaybeAsync } from '../lib/maybe-async.js';
import type { AuthService } from './auth-service.js';
import type { ClientCredentials } from './client-credentials.js';
import type { TokenService } from './token-service.js';
import type { Verification, VerifyService } from './verify-service.js';

/** Where an OAuth request came from: the caller's address and the request's id, for the guard and the audit log. */
export interface OAuthCaller {
  ip: string;
  requestId: string | null;
}

/**
 * tessera's tokens as an OAuth authorization server's opaque access tokens: RFC 7662
 * introspection and RFC 7009 revocation. Who the client is was decided before (AuthService's
 * authenticateClient); this decides what the token is, or ends it.
 */
export class IntrospectionService {
  constructor(private readonly deps: { auth: AuthService; tokens: TokenService; verify: VerifyService }) {}

  /**
   * The token verified exactly as `POST /v1/verify` with no requirements verifies it: the
   * guessing guard, the token's IP allowlist against the caller's address, its rate limits spent;
   * no credits charged (cost 0), since a gateway asks once per request of its own and charges
   * nothing by asking.
   */
  introspect(secret: string, from: OAuthCaller): MaybeAsync<Verification> {
    return this.deps.verify.verifyPresented(secret, { ip: from.ip, cost: 0n }, { caller: from.ip });
  }

  /**
   * RFC 7009 revocation of the token `secret`, with whatever client credentials came with it.
   *
   * - None, or the credential is the token itself: the token presents itself, and possession of
   *   a secret is the right to revoke it.
   * - A client (a personal token): the request is that client's (RFC 7009 §2.1), and the token is
   *   revoked only if the client may revoke it through `POST /v1/tokens/{id}/revoke` — `tokens:write`
   *   and the same access rules, by the same TokenService call.
   *
   * Bad client credentials are refused (UNAUTHORIZED, RFC 7009 §2.2.1 invalid_client); otherwise
   * nothing tells whether the token existed, was revoked already, or was left alone.
   */
  async revoke(secret: string, credentials: ClientCredentials | undefined, from: OAuthCaller): Promise<void> {
    if (credentials === undefined || credentials.secret === secret) {
      const held = await this.deps.verify.lookup(secret);
      if (held) await this.deps.tokens.revokeHeld(held, from);
      return;
    }
    let principal;
    try {
      principal = await this.deps.auth.authenticateClient(credentials, from.ip);
    } catch (error) {
      // A credential that is good but may manage nothing (an api or resource token) is a client that may revoke nothing.
      if (error instanceof AppError && error.code === 'FORBIDDEN') return;
      throw error;
    }
    if (!grantsScope(principal.token.scopes, 'tokens:write')) return;
    const target = await this.deps.verify.lookup(secret);
    if (!target) return;
    try {
      await this.deps.tokens.revoke({ principal, ip: from.ip, requestId: from.requestId }, target.id);
    } catch (error) {
      if (error instanceof AppError && (error.code === 'TOKEN_NOT_FOUND' || error.code === 'FORBIDDEN')) return;
      throw error;
    }
  }
}
