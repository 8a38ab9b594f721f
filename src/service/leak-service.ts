import { isDeepStrictEqual } from 'node:util';
import { digestSecret } from '../core/digest.js';
import { AppError } from '../core/errors.js';
import { tokenEvent } from '../core/events.js';
import { issueToken } from '../core/issue-token.js';
import type { LeakPolicy } from '../core/leak-policy.js';
import { isForeignKeyText } from '../core/foreign-key.js';
import { parseSecret } from '../core/secret.js';
import type { TokenRecord } from '../core/token.js';
import { ROTATE_ATTEMPTS, type TokenStore } from '../store/token-store.js';
import { tokenAuditTarget, type AuditService } from './audit-service.js';
import type { ChangeFeed } from './change-feed.js';
import type { EventPublisher } from './event-publisher.js';
import type { LeakPolicyService } from './leak-policy-service.js';
import type { Runtime } from './runtime.js';

/** Who told tessera of a leak: GitHub's secret scanning, GitLab's revocation API, or anyone by the public report. */
export type LeakSource = 'github' | 'gitlab' | 'report';

export interface LeakReport {
  /** The text found: a secret, if it is one of tessera's. */
  secret: string;
  /** Where it was seen (a commit, a paste); kept as the token's leakedUrl by the first report. */
  url: string | null;
  source: LeakSource;
  /** What a public reporter wrote for the key's owner; kept in the audit log only. */
  note?: string | null;
}

export interface LeakFinding {
  /** Whether the text is the secret of a token tessera issued (revoked or not): GitHub's `true_positive`. */
  known: boolean;
  /** SHA-256 of the text, which is how GitHub's feedback names a token without repeating it (`token_hash`). */
  digest: Buffer;
}

/**
 * Suspends a token as tessera itself (TokenService.disable with no caller): the `disable` action.
 * It publishes the change, audits `token.disable` and reports `token.disabled` itself.
 */
export type DisableToken = (token: TokenRecord) => Promise<TokenRecord>;

/**
 * The one use case every leak intake path runs (GitHub, GitLab, the public report): find the token
 * by its secret's digest, apply its leak policy, mark it leaked, tell every node and the outside
 * world. Idempotent per token: the policy's action is applied by guarded writes that do nothing
 * the second time, and only the first report marks the token, so only it publishes `token.leaked`.
 * The action comes before the mark, so a node that dies between the two leaves a token the next
 * report handles in full, never one marked but not acted on.
 */
export class LeakService {
  constructor(
    private readonly deps: {
      tokens: TokenStore;
      policies: LeakPolicyService;
      audit: AuditService;
      changes: ChangeFeed;
      events: EventPublisher;
      runtime: Runtime;
      disable: DisableToken;
      /** Whether keys imported from other systems exist: only then is a report of a text in no tessera format looked up. */
      foreignKeys?: { readonly present: boolean } | undefined;
    },
  ) {}

  /** Handles each report in turn (a token reported twice in one batch is handled once). */
  async intake(reports: readonly LeakReport[]): Promise<LeakFinding[]> {
    const findings: LeakFinding[] = [];
    for (const report of reports) findings.push(await this.#intakeOne(report));
    return findings;
  }

  async #intakeOne(report: LeakReport): Promise<LeakFinding> {
    const digest = digestSecret(report.secret);
    // A text with a bad checksum was never issued: no lookup, like verification; another system's key only where keys were imported.
    const looked = parseSecret(report.secret) !== undefined || (this.deps.foreignKeys?.present === true && isForeignKeyText(report.secret));
    const token = looked ? await this.deps.tokens.findByDigest(digest) : undefined;
    if (!token) return { known: false, digest };
    const now = this.deps.runtime.now();
    const policy = await this.deps.policies.forToken(token);
    const { changed, replacementId } = await this.#act(token, policy, now);
    const mark = await this.deps.tokens.markLeaked(token.id, now, report.url);
    if (!mark) return { known: true, digest };
    if (mark.marked) changed.push(mark.token);
    if (changed.length === 0) return { known: true, digest };
    await this.deps.changes.publish(changed);
    const details = {
      source: report.source,
      url: report.url,
      action: policy.action,
      gracePeriodMs: policy.gracePeriodMs,
      replacementId,
      repeated: !mark.marked,
      note: report.note ?? null,
    };
    await this.deps.audit.record(null, { ...tokenAuditTarget(mark.token), action: 'token.leak', details });
    if (mark.marked) {
      await this.deps.events.publish([tokenEvent('token.leaked', mark.token, { source: report.source, action: policy.action, replacementId })]);
    }
    return { known: true, digest };
  }

  /** Applies the policy; returns the records it changed (nothing when it had been applied already). */
  async #act(token: TokenRecord, policy: LeakPolicy, now: number): Promise<{ changed: TokenRecord[]; replacementId: string | null }> {
    const { tokens } = this.deps;
    switch (policy.action) {
      case 'notify':
        return { changed: [], replacementId: null };
      case 'revoke':
        return { changed: changedBy(token, await tokens.revoke(token.id, now)), replacementId: null };
      case 'disable':
        // A token deleted since it was found is simply gone: the report's answer stays the same.
        await this.deps.disable(token).catch((error: unknown) => {
          if (!(error instanceof AppError && error.code === 'TOKEN_NOT_FOUND')) throw error;
        });
        return { changed: [], replacementId: null };
      case 'rotate': {
        const graceEnds = now + (policy.gracePeriodMs ?? 0);
        const successor = await this.#rotate(token, graceEnds, now);
        if (successor) return { changed: [(await tokens.findById(token.id)) ?? token, successor], replacementId: successor.id };
        // Rotated (or revoked) already: its successor exists; the leaked secret's time is cut to the grace period.
        return { changed: changedBy(token, await tokens.revoke(token.id, graceEnds)), replacementId: null };
      }
    }
  }

  /**
   * The token's successor, or undefined when it is rotated or revoked already. The successor copies
   * the token as read: changed meanwhile (suspended, narrowed), it is read again.
   */
  async #rotate(token: TokenRecord, graceEnds: number, now: number): Promise<TokenRecord | undefined> {
    let read: TokenRecord | undefined = token;
    for (let attempt = 1; read && read.revokedAt === null && attempt <= ROTATE_ATTEMPTS; attempt++) {
      // The successor's secret is thrown away unseen: its owner rotates it to get one (docs/governance.md).
      const successor = issueToken({ ...read, rotatedFromId: read.id }, now, this.deps.runtime.randomBytes).token;
      const outcome = await this.deps.tokens.rotate(read, graceEnds, now, successor);
      if (outcome === 'rotated') return successor;
      if (outcome === 'retired') return undefined;
      read = await this.deps.tokens.findById(token.id);
    }
    return undefined;
  }
}

/** The record after a guarded write, when the write changed it. */
function changedBy(before: TokenRecord, after: TokenRecord | undefined): TokenRecord[] {
  return after && !isDeepStrictEqual(after, before) ? [after] : [];
}
