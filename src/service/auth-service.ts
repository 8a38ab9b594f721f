import { AppError } from '../core/errors.js';
import { canManage, type TokenRecord } from '../core/token.js';
import { decideVerify } from '../core/verify.js';
import type { ManagementScope } from '../core/management-scopes.js';
import type { AccountStore } from '../store/account-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { ClientCredentials } from './client-credentials.js';
import type { FailureGuard } from './failure-guard.js';
import type { Principal } from './principal.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Runtime } from './runtime.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { VerifyService } from './verify-service.js';

/** Turns a presented management credential into a principal, or refuses it. */
export class AuthService {
  constructor(
    private readonly deps: {
      verify: VerifyService;
      access: AccessPolicy;
      accounts: AccountStore;
      usage: UsageRecorder;
      rateLimiter: RateLimiter;
      guard: FailureGuard;
      runtime: Runtime;
    },
  ) {}

  /**
   * The principal a personal token presents, allowed `scopes` on the management API. `address`
   * is the caller's: checked against the token's IP allowlist, and throttled when it keeps
   * presenting bad credentials.
   */
  async authenticate(
    credential: string | undefined,
    address: string | undefined,
    scopes: readonly ManagementScope[] = [],
    clientId?: string,
  ): Promise<Principal> {
    const now = this.deps.runtime.now();
    if (address !== undefined) this.deps.guard.check('credential', address, now);
    if (!credential) throw new AppError('UNAUTHORIZED', 'a token is required: send Authorization: Bearer <token>');
    const token = await this.deps.verify.lookup(credential);
    const decision = decideVerify(token, address === undefined ? {} : { ip: address }, now);
    // A client id that names another token than the secret is a failed authentication like a wrong secret.
    if (!decision.valid || !token || (clientId !== undefined && clientId !== token.id)) {
      if (address !== undefined) this.deps.guard.fail('credential', address, now);
      throw new AppError(
        'UNAUTHORIZED',
        decision.valid ? 'the client_id is not the id of the token given as client_secret' : `the token is not valid (${decision.code})`,
      );
    }
    return this.#admit(token, scopes, now);
  }

  /**
   * The principal of a token found by other means than its secret (a dashboard session names its
   * token by id): the same checks as `authenticate` — valid now, from this address, a personal
   * token of an existing user, the scopes, its rate limits — on every request, so a revoked,
   * expired or deleted token ends its sessions at once. Nothing was guessed: no failure is counted.
   */
  async admitToken(token: TokenRecord | undefined, address: string | undefined, scopes: readonly ManagementScope[] = []): Promise<Principal> {
    const now = this.deps.runtime.now();
    const decision = decideVerify(token, address === undefined ? {} : { ip: address }, now);
    if (!decision.valid || !token) throw new AppError('UNAUTHORIZED', `the session has ended: its token is not valid (${decision.code}); sign in again`);
    return this.#admit(token, scopes, now);
  }

  async #admit(token: TokenRecord, scopes: readonly ManagementScope[], now: number): Promise<Principal> {
    if (!canManage(token.type)) {
      throw new AppError('FORBIDDEN', `a ${token.type} token cannot call the management API; use a personal token`);
    }
    const user = await this.deps.accounts.findUser(token.ownerUserId);
    if (!user) throw new AppError('UNAUTHORIZED', 'the token belongs to no user');
    // Its tokens answer DISABLED already; this holds too for one issued while the user was being disabled.
    if (user.disabledAt !== null) throw new AppError('UNAUTHORIZED', 'the token belongs to a disabled user');
    const principal = { user, token };
    for (const scope of scopes) this.deps.access.requireScope(principal, scope);
    await this.#applyRateLimits(token, now);
    this.deps.usage.record(token.id, now);
    return principal;
  }

  /**
   * An OAuth client (RFC 6749 §2.3): a personal token presented as a bearer token, or as HTTP Basic
   * credentials whose id is the token's id and whose secret is its secret (both must name the
   * same token). Otherwise exactly `authenticate`: the same guard, checks, scopes and rate limits.
   */
  async authenticateClient(credentials: ClientCredentials | undefined, address: string, scopes: readonly ManagementScope[] = []): Promise<Principal> {
    if (!credentials) return this.authenticate(undefined, address, scopes);
    return this.authenticate(credentials.secret, address, scopes, credentials.kind === 'basic' ? credentials.clientId : undefined);
  }

  /** A personal token's own rate limits apply to its management calls too: past them, 429, never 401. */
  async #applyRateLimits(token: TokenRecord, now: number): Promise<void> {
    if (token.rateLimits.length === 0) return;
    const checks = token.rateLimits.map((rule) => ({ key: `${token.id}:${rule.name}`, rule, cost: 1 }));
    const outcome = await this.deps.rateLimiter.consume(checks, now);
    if (outcome.allowed) return;
    throw new AppError('RATE_LIMITED', `rate limit ${outcome.name} of ${outcome.limit} reached`, {
      limit: outcome.limit,
      remaining: outcome.remaining,
      resetAfterMs: Math.max(0, outcome.resetAt - now),
      retryAfterMs: outcome.retryAfterMs,
    });
  }
}
