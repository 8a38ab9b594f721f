import { AppError } from '../core/errors.js';
import type { ManagementScope } from '../core/management-scopes.js';
import { csrfKeyOf, csrfTokenMatches, csrfTokenOf, isSessionId, newSessionId, sessionDigestOf } from '../core/session.js';
import type { SessionRecord, SessionStore } from '../store/session-store.js';
import type { TokenStore } from '../store/token-store.js';
import { tokenAuditTarget, type AuditService } from './audit-service.js';
import type { AuthService } from './auth-service.js';
import type { FailureGuard } from './failure-guard.js';
import type { Principal } from './principal.js';
import type { Runtime } from './runtime.js';

/** How often at most a session's lastSeenAt is written: not one write per dashboard request. */
const TOUCH_EVERY_MS = 60_000;

/** Where a sign-in or sign-out came from, for the audit log and the guessing guard. */
export interface SessionCallOrigin {
  ip: string;
  requestId: string | null;
}

/** A live session as its holder may see it: never stored like this, the id lives only in the cookie. */
export interface OpenSession {
  /** The cookie's value. */
  id: string;
  principal: Principal;
  csrfToken: string;
  expiresAt: number;
}

export interface SessionServiceOptions {
  /** How long a session lasts from sign-in (TESSERA_SESSION_TTL_MS). */
  ttlMs: number;
}

/**
 * Dashboard sessions: a personal token signs in once and the browser holds a random session id in
 * an HttpOnly cookie instead of the token. Each request re-checks the session's token (AuthService),
 * so revoking, expiring or deleting it ends the session at once; a state-changing request must also
 * carry the session's CSRF token, derived from the id under a key derived from the server key.
 */
export class SessionService {
  readonly #csrfKey: Buffer;

  constructor(
    private readonly deps: {
      sessions: SessionStore;
      tokens: TokenStore;
      auth: AuthService;
      audit: AuditService;
      guard: FailureGuard;
      runtime: Runtime;
      serverKey: Uint8Array;
    },
    private readonly options: SessionServiceOptions,
  ) {
    if (!(options.ttlMs > 0)) throw new Error('a session lasts a positive time');
    this.#csrfKey = csrfKeyOf(deps.serverKey);
  }

  /**
   * Signs in with a personal token's secret: authenticated exactly as a bearer token is (the
   * guessing guard, 401 unknown or revoked, 403 for an api or resource token), then a new session.
   * `replacing`, the session cookie the browser sent along, is ended: a sign-in never leaves two.
   */
  async signIn(secret: string, origin: SessionCallOrigin, replacing?: string): Promise<OpenSession> {
    const principal = await this.deps.auth.authenticate(secret, origin.ip);
    const now = this.deps.runtime.now();
    if (isSessionId(replacing)) await this.deps.sessions.delete(sessionDigestOf(replacing));
    await this.deps.sessions.deleteExpired(now);
    const id = newSessionId(this.deps.runtime.randomBytes);
    const record: SessionRecord = {
      digest: sessionDigestOf(id),
      tokenId: principal.token.id,
      userId: principal.user.id,
      createdAt: now,
      expiresAt: now + this.options.ttlMs,
      lastSeenAt: now,
    };
    await this.deps.sessions.insert(record);
    await this.deps.audit.record(
      { principal, ...origin },
      { action: 'session.create', ...tokenAuditTarget(principal.token), details: { expiresAt: record.expiresAt } },
    );
    return { id, principal, csrfToken: csrfTokenOf(this.#csrfKey, id), expiresAt: record.expiresAt };
  }

  /**
   * The session a cookie names, as a principal allowed `scopes`: 401 when it is unknown, expired
   * or its token no longer valid (the session is deleted then), 403 CSRF_TOKEN_INVALID when
   * `csrf.required` and the presented token is not the session's. Checked before anything is read
   * of the request's body, so a refused request changes nothing.
   */
  async resume(
    sessionId: string,
    request: { ip: string; csrf: { required: boolean; presented: string | undefined } },
    scopes: readonly ManagementScope[] = [],
  ): Promise<OpenSession> {
    const now = this.deps.runtime.now();
    this.deps.guard.check('credential', request.ip, now);
    const digest = isSessionId(sessionId) ? sessionDigestOf(sessionId) : undefined;
    const session = digest === undefined ? undefined : await this.deps.sessions.find(digest);
    if (!session || session.expiresAt <= now) {
      if (session) await this.deps.sessions.delete(session.digest);
      // An unknown id is a guess like an unknown token; an expired one is counted too, once: its cookie is cleared.
      this.deps.guard.fail('credential', request.ip, now);
      throw new AppError('UNAUTHORIZED', 'no session, or it has ended: sign in again');
    }
    if (request.csrf.required && !csrfTokenMatches(this.#csrfKey, sessionId, request.csrf.presented)) {
      throw new AppError(
        'CSRF_TOKEN_INVALID',
        'this request changes something and is signed in by the session cookie: send the X-CSRF-Token header with the csrfToken the sign-in answered',
      );
    }
    let principal: Principal;
    try {
      const token = await this.deps.tokens.findById(session.tokenId);
      principal = await this.deps.auth.admitToken(token?.ownerUserId === session.userId ? token : undefined, request.ip, scopes);
    } catch (error) {
      if (error instanceof AppError && error.code === 'UNAUTHORIZED') await this.deps.sessions.delete(session.digest);
      throw error;
    }
    if (now - session.lastSeenAt >= TOUCH_EVERY_MS) await this.deps.sessions.touch(session.digest, now);
    return { id: sessionId, principal, csrfToken: csrfTokenOf(this.#csrfKey, sessionId), expiresAt: session.expiresAt };
  }

  /** Ends the session (signing out); audited as its token's. */
  async signOut(session: OpenSession, origin: SessionCallOrigin): Promise<void> {
    const deleted = await this.deps.sessions.delete(sessionDigestOf(session.id));
    if (!deleted) return;
    await this.deps.audit.record({ principal: session.principal, ...origin }, { action: 'session.delete', ...tokenAuditTarget(session.principal.token) });
  }
}
