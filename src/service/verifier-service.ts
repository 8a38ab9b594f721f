import { BUCKET_MS } from '../core/analytics.js';
import { grantsScope } from '../core/management-scopes.js';
import type { TokenRecord } from '../core/token.js';
import { decideVerify, type VerifyCode } from '../core/verify.js';
import type { AccountStore } from '../store/account-store.js';
import type { VerificationCount } from '../store/analytics-store.js';
import type { ChangeLogStore } from '../store/change-log-store.js';
import type { TokenStore } from '../store/token-store.js';
import { audienceSees, type AccessPolicy, type TeamRef, type VerifierAudience } from './access-policy.js';
import type { AnalyticsRecorder } from './analytics-recorder.js';
import type { CallContext } from './principal.js';
import type { Runtime } from './runtime.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { VerifierFeed, VerifierSink } from './verifier-feed.js';

export interface Snapshot {
  /** The change log's latest number, read before the tokens: stream from here and nothing is missed. */
  seq: number;
  items: TokenRecord[];
  nextCursor: string | null;
}

/** Verifications of one token an in-process verifier answered itself, in one minute, with one outcome. */
export interface ReportedCount {
  tokenId: string;
  /** The minute's start, ms since the epoch. */
  minute: number;
  outcome: VerifyCode;
  count: number;
  tags?: readonly string[] | undefined;
}

/**
 * How old a reported minute may be: a verifier sends its counts every few seconds and keeps them
 * through an outage; what is older than this is dropped rather than written into rolled-up time.
 */
export const REPORT_WINDOW_MS = 86_400_000;

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
      usage: UsageRecorder;
      /** None when analytics is off: reported counts then only keep last-used times. */
      analytics?: AnalyticsRecorder | undefined;
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

  /**
   * What an in-process verifier answered without asking (docs/sdk.md): counted for analytics and
   * as uses (useCount, activeAt — what inactivity policies read), as if this node had answered.
   * Only tokens the caller's verifier may hold count; the others, and minutes outside the last
   * day, are ignored, so a verifier cannot write into another's numbers.
   */
  async reportUsage(ctx: CallContext, team: TeamRef | undefined, counts: readonly ReportedCount[]): Promise<{ accepted: number; ignored: number }> {
    const audience = await this.audience(ctx, team);
    const now = this.deps.runtime.now();
    const tokens = new Map<string, TokenRecord | undefined>();
    for (const { tokenId } of counts) if (!tokens.has(tokenId)) tokens.set(tokenId, await this.deps.tokens.findById(tokenId));
    const rows: VerificationCount[] = [];
    let accepted = 0;
    let ignored = 0;
    for (const reported of counts) {
      const token = tokens.get(reported.tokenId);
      if (!token || !audienceSees(audience, token) || reported.minute < now - REPORT_WINDOW_MS || reported.minute > now + BUCKET_MS.minute) {
        ignored += reported.count;
        continue;
      }
      accepted += reported.count;
      for (const tag of ['', ...(reported.tags ?? [])]) rows.push(reportedRow(token, reported, tag));
      if (reported.outcome === 'VALID') this.deps.usage.record(token.id, Math.min(now, reported.minute + BUCKET_MS.minute - 1), reported.count);
    }
    this.deps.analytics?.add(rows);
    return { accepted, ignored };
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

function reportedRow(token: TokenRecord, reported: ReportedCount, tag: string): VerificationCount {
  return {
    granularity: 'minute',
    bucketStart: reported.minute,
    tokenId: token.id,
    outcome: reported.outcome,
    tag,
    ownerUserId: token.ownerUserId,
    teamId: token.teamId,
    tokenType: token.type,
    count: reported.count,
    credits: 0n,
  };
}
