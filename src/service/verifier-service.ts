import { grantsScope } from '../core/management-scopes.js';
import type { TokenRecord } from '../core/token.js';
import { decideVerify } from '../core/verify.js';
import type { AccountStore } from '../store/account-store.js';
import type { ChangeLogStore } from '../store/change-log-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy, TeamRef, VerifierAudience } from './access-policy.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';
import type { VerifierFeed, VerifierSink } from './verifier-feed.js';

export interface Snapshot {
  /** The change log's latest number, read before the tokens: stream from here and nothing is missed. */
  seq: number;
  items: TokenRecord[];
  nextCursor: string | null;
}

/**
 * What an in-process verifier (the SDK's) asks of the server: the tokens it may hold, a page at a
 * time, and the changes to them as they are made (docs/sdk.md). Both hold `api` and `resource`
 * tokens only: a personal token is a credential of its owner for tessera itself, never for a
 * verifier to accept.
 */
export class VerifierService {
  constructor(
    private readonly deps: {
      tokens: TokenStore;
      accounts: AccountStore;
      log: ChangeLogStore;
      access: AccessPolicy;
      feed: VerifierFeed;
      runtime: Runtime;
    },
  ) {}

  /** Whose tokens this caller's verifier holds (throws FORBIDDEN for a team it may not read). */
  audience(ctx: CallContext, team: TeamRef | undefined): Promise<VerifierAudience> {
    return this.deps.access.verifierAudience(ctx.principal, team);
  }

  /**
   * One page of the live tokens (neither revoked nor expired now; a rotated one in its grace
   * period is live, and its view says when it stops) the caller's verifier may hold, newest first.
   */
  async snapshot(ctx: CallContext, input: { team?: TeamRef; cursor?: string; limit: number }): Promise<Snapshot> {
    const audience = await this.audience(ctx, input.team);
    // Before the tokens: a change made while they are read is then in the stream from `seq` on.
    const seq = await this.deps.log.latest();
    const owner = audience.kind === 'team' ? { teamId: audience.teamId } : audience.kind === 'user' ? { ownerUserId: audience.userId, teamId: null } : {};
    const page = await this.deps.tokens.list({
      ...owner,
      excludeType: 'personal',
      status: 'active',
      now: this.deps.runtime.now(),
      limit: input.limit,
      cursor: input.cursor,
    });
    return { seq, ...page };
  }

  /** Refuses (UNAVAILABLE) while this node cannot promise every change. */
  assertLive(): void {
    this.deps.feed.assertLive();
  }

  /**
   * Streams the changes `audience` may see after `after` (none: from the latest) to `sink`; returns
   * what ends it. With `ctx`, the stream ends at a heartbeat once its caller may no longer hold it.
   */
  stream(sink: VerifierSink, audience: VerifierAudience, after: number | undefined, ctx?: { call: CallContext; team: TeamRef | undefined }): () => void {
    return this.deps.feed.open(sink, audience, after, ctx && (() => this.#stillAllowed(ctx.call, ctx.team, audience)));
  }

  /** The caller's token still valid with `verifier:read`, its user enabled, and the same audience as when the stream opened. */
  async #stillAllowed(ctx: CallContext, team: TeamRef | undefined, audience: VerifierAudience): Promise<boolean> {
    const token = await this.deps.tokens.findById(ctx.principal.token.id);
    if (!token || !decideVerify(token, {}, this.deps.runtime.now()).valid || !grantsScope(token.scopes, 'verifier:read')) return false;
    const user = await this.deps.accounts.findUser(token.ownerUserId);
    if (!user || user.disabledAt !== null) return false;
    const now = await this.deps.access.verifierAudience({ user, token }, team).catch(() => undefined);
    return now !== undefined && JSON.stringify(now) === JSON.stringify(audience);
  }

  /** Ends every stream: the server is closing, and must not wait for them. */
  closeStreams(): void {
    this.deps.feed.closeAll();
  }
}
