import { AppError } from '../core/errors.js';
import { issueToken, type IssuedToken } from '../core/issue-token.js';
import { deriveSecret } from '../core/secret.js';
import { delegationProblem, inheritedBounds, type Bounds } from '../core/delegation.js';
import { isExpired, isRevoked, TOKEN_PREFIX, type TokenRecord, type TokenType } from '../core/token.js';
import type { AccountStore } from '../store/account-store.js';
import type { Page } from '../store/page.js';
import { ROTATE_ATTEMPTS, type TokenPatch, type TokenStore } from '../store/token-store.js';
import type { AccessPolicy } from './access-policy.js';
import { assertValid, grantsCredits, type CreateTokenInput, type ListTokensInput } from './token-inputs.js';
import { tokenAuditTarget, type AuditService } from './audit-service.js';
import type { CallContext, Principal } from './principal.js';
import type { ResourceTokens, TokenPlacement } from './resource-tokens.js';
import type { Runtime } from './runtime.js';
import type { ChangeFeed } from './change-feed.js';
import type { PolicyService } from './policy-service.js';
import { tokenEvent } from '../core/events.js';
import type { EventPublisher } from './event-publisher.js';

// Their home was this file: callers may still import them from here.
export type { CreateTokenInput, ListTokensInput } from './token-inputs.js';

const MAX_GRACE_MS = 30 * 24 * 3600 * 1000;

export class TokenService {
  constructor(
    private readonly deps: {
      tokens: TokenStore;
      accounts: AccountStore;
      access: AccessPolicy;
      audit: AuditService;
      changes: ChangeFeed;
      /** The lifecycle policies every token made, rotated or changed here is held to. */
      policies: Pick<PolicyService, 'enforce' | 'enforceChange'>;
      resources: ResourceTokens;
      runtime: Runtime;
      secretKey: Buffer;
      /** Where token.created/updated/rotated/revoked/deleted go (webhooks), once each change is stored. */
      events: EventPublisher;
    },
  ) {}

  /** The secret `create` gives a token made with `secretMaterial`, computed again. */
  derivedSecret(type: TokenType, secretMaterial: string): string {
    return deriveSecret(TOKEN_PREFIX[type], this.deps.secretKey, `token\n${secretMaterial}`);
  }

  /**
   * Issues a token. A token naming a resource tessera keeps (an Edge Config) is made under that
   * resource's rules (ResourceTokens): the caller must be allowed to change the resource, the
   * token belongs where the resource does and counts against its limits. A personal token gets
   * at most the scopes of the token that makes it, and those when none are given. Nothing is
   * cached or audited for a refused token.
   */
  async create(ctx: CallContext, input: CreateTokenInput): Promise<IssuedToken> {
    const { principal } = ctx;
    const now = this.deps.runtime.now();
    assertValid(input, now);
    const type = input.type ?? (input.resource ? 'resource' : 'api');
    if (grantsCredits(input)) this.deps.access.requireScope(principal, 'credits:write');
    const placement = await this.#placement(ctx, input, type);
    // A disabled user's new token is as disabled as the rest of theirs (only an admin issues it: they cannot sign in).
    const ownerDisabledAt =
      placement.ownerUserId === principal.user.id ? null : ((await this.deps.accounts.findUser(placement.ownerUserId))?.disabledAt ?? null);
    // A personal token is bounded by the token that makes it: what it leaves out, it inherits.
    const bounds = type === 'personal' ? this.#delegated(principal, inheritedBounds(principal.token, input)) : undefined;
    const scopes = [...(bounds?.scopes ?? input.scopes ?? [])];
    const expiresAt = bounds ? bounds.expiresAt : (input.expiresAt ?? null);
    await this.deps.policies.enforce(placement.teamId, { type, scopes, expiresAt, bornAt: now });
    const issued = issueToken(
      {
        name: input.name,
        type,
        origin: input.origin ?? 'api',
        scopes,
        resource: input.resource ?? null,
        environment: input.environment ?? null,
        projects: input.projects ?? [],
        ownerUserId: placement.ownerUserId,
        teamId: placement.teamId,
        metadata: input.metadata ?? {},
        ipAllowlist: [...(bounds?.ipAllowlist ?? input.ipAllowlist ?? [])],
        expiresAt,
        parentId: null,
        rotatedFromId: null,
        credits: input.credits ?? null,
        creditsActive: input.creditsActive ?? (input.credits !== undefined && input.credits !== null),
        creditPool: input.creditPool ? (placement.teamId ?? placement.ownerUserId) : null,
        refill: input.refill ?? null,
        rateLimits: input.rateLimits ?? [],
        disabledAt: null,
        ownerDisabledAt,
      },
      now,
      this.deps.runtime.randomBytes,
      input.secretMaterial === undefined ? undefined : this.derivedSecret(type, input.secretMaterial),
    );
    await placement.insert(issued.token);
    // A derived secret may have been presented before it existed: no node's negative entry may hide it.
    if (input.secretMaterial !== undefined) await this.#publish(issued.token);
    await this.deps.audit.record(ctx, {
      ...tokenAuditTarget(issued.token),
      action: 'token.create',
      details: { name: issued.token.name, type, origin: issued.token.origin },
    });
    await this.deps.events.publish([tokenEvent('token.created', issued.token)]);
    return issued;
  }

  /** Whose the new token is, in which team, and how it is stored. */
  async #placement(ctx: CallContext, input: CreateTokenInput, type: TokenType): Promise<TokenPlacement> {
    const { principal } = ctx;
    const kept = input.resource && (await this.deps.resources.placement(ctx, input.resource));
    if (kept) {
      if (type !== 'resource') throw new AppError('VALIDATION_ERROR', `type: a token for a ${input.resource!.kind} is a resource token`);
      if (input.team || input.ownerUserId) {
        throw new AppError('VALIDATION_ERROR', `a token for a ${input.resource!.kind} belongs where it does: leave out teamId and ownerUserId`);
      }
      return kept;
    }
    const team = await this.deps.access.actingTeam(principal, input.team, 'write');
    const ownerUserId = input.ownerUserId ?? principal.user.id;
    if (ownerUserId !== principal.user.id) {
      this.deps.access.requireAdmin(principal);
      if (!(await this.deps.accounts.findUser(ownerUserId))) throw new AppError('USER_NOT_FOUND', 'no such user');
    }
    return { ownerUserId, teamId: team?.team.id ?? null, insert: (token) => this.deps.tokens.insert(token) };
  }

  /** A personal token hands on no more than the token that makes, changes or rotates it holds (core/delegation). */
  #delegated(principal: Principal, wanted: Bounds): Bounds {
    const problem = delegationProblem(principal.token, wanted);
    if (problem) throw new AppError('FORBIDDEN', problem);
    return wanted;
  }

  async list(ctx: CallContext, input: ListTokensInput): Promise<Page<TokenRecord>> {
    const { principal } = ctx;
    const now = this.deps.runtime.now();
    const filters = { type: input.type, status: input.status, namePrefix: input.namePrefix || undefined, limit: input.limit, cursor: input.cursor, now };
    const access = await this.deps.access.actingTeam(principal, input.team, 'read');
    if (access) {
      // Teammates' personal tokens are theirs alone: a team listing shows only the caller's own.
      const personalOf = this.deps.access.isAdmin(principal) ? undefined : principal.user.id;
      return this.deps.tokens.list({ ...filters, teamId: access.team.id, personalOf, ownerUserId: input.ownerUserId });
    }
    if (input.all) this.deps.access.requireAdmin(principal);
    // An admin finds a person's tokens wherever they are (offboarding), or everyone's.
    if (this.deps.access.isAdmin(principal) && (input.all || (input.ownerUserId !== undefined && input.ownerUserId !== principal.user.id))) {
      return this.deps.tokens.list({ ...filters, ownerUserId: input.ownerUserId });
    }
    // Without a team the listing is the caller's own tokens: another owner's is an empty page.
    if (input.ownerUserId !== undefined && input.ownerUserId !== principal.user.id) return { items: [], nextCursor: null };
    return this.deps.tokens.list({ ...filters, ownerUserId: principal.user.id, teamId: null });
  }

  /** Every page of a listing, for the vendor APIs that do not paginate. */
  async listAll(ctx: CallContext, input: Omit<ListTokensInput, 'limit' | 'cursor'>): Promise<TokenRecord[]> {
    const tokens: TokenRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(ctx, { ...input, limit: 200, cursor });
      tokens.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return tokens;
  }

  async get(ctx: CallContext, id: string): Promise<TokenRecord> {
    return this.deps.access.readableToken(ctx.principal, await this.deps.tokens.findById(id));
  }

  async update(ctx: CallContext, id: string, patch: TokenPatch): Promise<TokenRecord> {
    const token = await this.deps.access.writableToken(ctx.principal, await this.deps.tokens.findById(id));
    const now = this.deps.runtime.now();
    assertValid(patch, now);
    if (patch.creditsActive !== undefined || patch.refill !== undefined) this.deps.access.requireScope(ctx.principal, 'credits:write');
    if (
      token.type === 'personal' &&
      (patch.scopes !== undefined || patch.expiresAt !== undefined || patch.ipAllowlist !== undefined || patch.rateLimits !== undefined)
    ) {
      // Its limits are what make a token safe to hand out: it may not lift its own, nor reshape another's past its own.
      if (token.id === ctx.principal.token.id) throw new AppError('FORBIDDEN', 'a token cannot change its own limits; use another token');
      this.#delegated(ctx.principal, {
        scopes: patch.scopes ?? token.scopes,
        expiresAt: patch.expiresAt !== undefined ? patch.expiresAt : token.expiresAt,
        ipAllowlist: patch.ipAllowlist ?? token.ipAllowlist,
      });
    }
    await this.deps.policies.enforceChange(token, patch);
    const updated = await this.deps.tokens.update(token.id, patch, now);
    if (!updated) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    await this.#publish(updated);
    await this.deps.audit.record(ctx, {
      ...tokenAuditTarget(updated),
      action: 'token.update',
      details: { changed: Object.keys(patch).filter((k) => patch[k as keyof TokenPatch] !== undefined) },
    });
    await this.deps.events.publish([
      tokenEvent('token.updated', updated, { changed: Object.keys(patch).filter((k) => patch[k as keyof TokenPatch] !== undefined) }),
    ]);
    return updated;
  }

  async revoke(ctx: CallContext, id: string): Promise<TokenRecord> {
    const token = await this.deps.access.writableToken(ctx.principal, await this.deps.tokens.findById(id));
    const revoked = await this.deps.tokens.revoke(token.id, this.deps.runtime.now());
    if (!revoked) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    await this.#publish(revoked);
    await this.deps.audit.record(ctx, { ...tokenAuditTarget(revoked), action: 'token.revoke' });
    await this.deps.events.publish([tokenEvent('token.revoked', revoked)]);
    return revoked;
  }

  /**
   * Suspends a token: it answers DISABLED on this node at once, and on every other node and SDK
   * verifier through the change feed, until `enable`. Nothing else about it changes. `ctx` null is
   * tessera itself (a leak policy): nobody's rights to check, audited without an actor, `details`
   * saying why. Suspending a suspended token changes nothing and reports nothing.
   */
  async disable(ctx: CallContext | null, id: string, details: Record<string, unknown> = {}): Promise<TokenRecord> {
    const token = await this.#changeable(ctx, id);
    if (token.disabledAt !== null) return token;
    const now = this.deps.runtime.now();
    const disabled = await this.deps.tokens.setDisabled(token.id, now, now);
    if (!disabled) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    await this.#publish(disabled);
    await this.deps.audit.record(ctx, { ...tokenAuditTarget(disabled), action: 'token.disable', details });
    await this.deps.events.publish([tokenEvent('token.disabled', disabled, details)]);
    return disabled;
  }

  /** Resumes a suspended token. A revoked one stays revoked, and one whose owner is disabled stays DISABLED until the owner is enabled. */
  async enable(ctx: CallContext | null, id: string): Promise<TokenRecord> {
    const token = await this.#changeable(ctx, id);
    if (token.disabledAt === null) return token;
    const now = this.deps.runtime.now();
    const enabled = await this.deps.tokens.setDisabled(token.id, null, now);
    if (!enabled) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    await this.#publish(enabled);
    await this.deps.audit.record(ctx, { ...tokenAuditTarget(enabled), action: 'token.enable' });
    await this.deps.events.publish([tokenEvent('token.enabled', enabled)]);
    return enabled;
  }

  /** The token a caller may change (the rights revoke needs), or any token for tessera itself. */
  async #changeable(ctx: CallContext | null, id: string): Promise<TokenRecord> {
    const token = await this.deps.tokens.findById(id);
    if (ctx) return this.deps.access.writableToken(ctx.principal, token);
    if (!token) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    return token;
  }

  /**
   * Revokes the token whose secret was presented, on the word of whoever presented it: holding a
   * token's secret is the right to end it (RFC 7009, a token revoking itself). Audited as acting
   * for the token's owner, by the token itself. Nothing is said about a secret that names no token
   * or one revoked already: the answer is the same either way.
   */
  async revokeHeld(token: TokenRecord, from: { ip: string | null; requestId: string | null }): Promise<void> {
    const now = this.deps.runtime.now();
    if (isRevoked(token, now)) return;
    const revoked = await this.deps.tokens.revoke(token.id, now);
    if (!revoked) return;
    await this.#publish(revoked);
    const owner = await this.deps.accounts.findUser(revoked.ownerUserId);
    const ctx = owner ? { principal: { user: owner, token: revoked }, ...from } : null;
    await this.deps.audit.record(ctx, { ...tokenAuditTarget(revoked), action: 'token.revoke', details: { by: 'possession' } });
    await this.deps.events.publish([tokenEvent('token.revoked', revoked, { by: 'possession' })]);
  }

  /**
   * Issues a replacement with the same metadata and a new secret; the old secret keeps
   * verifying for `gracePeriodMs`, then answers REVOKED.
   */
  async rotate(ctx: CallContext, id: string, options: { gracePeriodMs?: number; expiresAt?: number | null }): Promise<IssuedToken> {
    const grace = options.gracePeriodMs ?? 0;
    // The replacement copies the token as read; when another call changed it meanwhile (suspended
    // it, narrowed its scopes), it is read, checked and copied again, so that change is kept.
    for (let attempt = 1; ; attempt++) {
      const old = await this.deps.access.writableToken(ctx.principal, await this.deps.tokens.findById(id));
      const now = this.deps.runtime.now();
      const issued = await this.#replacement(ctx, old, options, now);
      const outcome = await this.deps.tokens.rotate(old, now + grace, now, issued.token);
      if (outcome === 'retired') throw new AppError('CONFLICT', 'the token was revoked or rotated meanwhile');
      if (outcome === 'changed') {
        if (attempt < ROTATE_ATTEMPTS) continue;
        throw new AppError('CONFLICT', 'the token kept changing while it was rotated: try again');
      }
      await this.#publish(old, issued.token);
      await this.deps.audit.record(ctx, {
        ...tokenAuditTarget(issued.token),
        action: 'token.rotate',
        details: { rotatedFromId: old.id, gracePeriodMs: grace },
      });
      // The old token's subject: its receivers see the rotation in order with what happened to it before.
      await this.deps.events.publish([
        { ...tokenEvent('token.rotated', issued.token, { rotatedFromId: old.id, oldTokenRevokedAt: now + grace }), subject: old.id },
      ]);
      return issued;
    }
  }

  /** The successor of `old`, once every rule holds for it. */
  async #replacement(ctx: CallContext, old: TokenRecord, options: { gracePeriodMs?: number; expiresAt?: number | null }, now: number): Promise<IssuedToken> {
    if ((options.gracePeriodMs ?? 0) > MAX_GRACE_MS) throw new AppError('VALIDATION_ERROR', 'gracePeriodMs may be at most 30 days');
    assertValid(options, now);
    const expiresAt = options.expiresAt !== undefined ? options.expiresAt : old.expiresAt;
    if (isRevoked(old, now)) throw new AppError('CONFLICT', 'a revoked token cannot be rotated');
    // Once: a second rotation in the grace period would leave two live successors.
    if (old.revokedAt !== null) throw new AppError('CONFLICT', 'this token was rotated already: rotate its successor');
    if (expiresAt !== null && isExpired({ expiresAt }, now)) {
      throw new AppError('CONFLICT', 'the token has expired: pass a new expiresAt to rotate it');
    }
    // A new secret is a new credential: the rotating token must hold all the old one could do.
    if (old.type === 'personal') this.#delegated(ctx.principal, { scopes: old.scopes, expiresAt, ipAllowlist: old.ipAllowlist });
    // The replacement is a new token: every rule holds for it, whatever the old one was made under.
    await this.deps.policies.enforce(old.teamId, { type: old.type, scopes: old.scopes, expiresAt, bornAt: now });
    return issueToken({ ...old, expiresAt, rotatedFromId: old.id }, now, this.deps.runtime.randomBytes);
  }

  async delete(ctx: CallContext, id: string): Promise<void> {
    const token = await this.deps.access.writableToken(ctx.principal, await this.deps.tokens.findById(id));
    if (!(await this.deps.tokens.delete(token.id))) throw new AppError('TOKEN_NOT_FOUND', 'no such token');
    await this.#publish(token);
    await this.deps.audit.record(ctx, { ...tokenAuditTarget(token), action: 'token.delete', details: { name: token.name } });
    await this.deps.events.publish([tokenEvent('token.deleted', token)]);
  }

  /** Every node drops its cached copy of these tokens. */
  async #publish(...tokens: TokenRecord[]): Promise<void> {
    await this.deps.changes.publish(tokens);
  }
}
