import {
  bucketStart,
  defaultGranularity,
  MAX_SERIES,
  sweepCutoffs,
  windowProblem,
  type AnalyticsRetention,
  type Granularity,
  type GroupBy,
} from '../core/analytics.js';
import { AppError } from '../core/errors.js';
import type { VerifyCode } from '../core/verify.js';
import type { AccountStore } from '../store/account-store.js';
import type { AnalyticsStore, CountVisibility, Series } from '../store/analytics-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { AccessPolicy } from './access-policy.js';
import type { Principal } from './principal.js';
import type { Runtime } from './runtime.js';

/** The last 24 hours: the window a query names no bounds of. */
const DEFAULT_WINDOW_MS = 86_400_000;
/** How often a node sweeps at most (the housekeeping tick is faster). */
const SWEEP_EVERY_MS = 60_000;

export interface VerificationsQuery {
  from?: number;
  to?: number;
  granularity?: Granularity;
  groupBy?: GroupBy;
  tokenIds?: readonly string[];
  ownerUserId?: string;
  teamId?: string;
  outcomes?: VerifyCode[];
  tag?: string;
}

export interface VerificationSeries {
  granularity: Granularity;
  from: number;
  to: number;
  groupBy: GroupBy;
  series: Series[];
}

/**
 * Reads verification counts for whoever may read the tokens they are of (the same rights as
 * token reads: AccessPolicy), and sweeps them: minute rows into hours, hours into days, old days
 * out.
 */
export class AnalyticsService {
  #lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: { store: AnalyticsStore; access: AccessPolicy; accounts: AccountStore; tokens: TokenStore; runtime: Runtime },
    private readonly retention: AnalyticsRetention,
  ) {}

  async verifications(principal: Principal, query: VerificationsQuery): Promise<VerificationSeries> {
    const now = this.deps.runtime.now();
    // `to` is exclusive: by default, up to and including this millisecond.
    const to = query.to ?? Math.max(now + 1, (query.from ?? 0) + 1);
    const from = query.from ?? to - DEFAULT_WINDOW_MS;
    const granularity = query.granularity ?? defaultGranularity(from, to);
    const problem = windowProblem(from, to, granularity);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
    const groupBy = query.groupBy ?? 'outcome';
    const admin = this.deps.access.isAdmin(principal);
    // A token or team the caller may not read is refused as its other reads are: an unknown
    // token id (404, TOKEN_NOT_FOUND, so ids cannot be probed), a team they are not in (403).
    if (!admin) for (const id of query.tokenIds ?? []) await this.deps.access.readableToken(principal, await this.deps.tokens.findById(id));
    if (query.teamId !== undefined && !admin) await this.deps.access.team(principal, { id: query.teamId });
    const visibility = admin ? ({ kind: 'all' } as const) : await this.#visibility(principal);
    const aligned = bucketStart(from, granularity);
    const series = await this.deps.store.series({
      from: aligned,
      to,
      granularity,
      groupBy,
      visibility,
      limit: MAX_SERIES,
      ...(query.tokenIds !== undefined && query.tokenIds.length > 0 ? { tokenIds: query.tokenIds } : {}),
      ...(query.ownerUserId !== undefined ? { ownerUserId: query.ownerUserId } : {}),
      ...(query.teamId !== undefined ? { teamId: query.teamId } : {}),
      ...(query.outcomes !== undefined && query.outcomes.length > 0 ? { outcomes: query.outcomes } : {}),
      ...(query.tag !== undefined ? { tag: query.tag } : {}),
    });
    return { granularity, from: aligned, to, groupBy, series };
  }

  /** The rows a caller who is not an admin may read: those of the tokens they may read. */
  async #visibility(principal: Principal): Promise<CountVisibility> {
    const userId = principal.user.id;
    const scope = this.deps.access.teamScopeOf(principal);
    if (scope !== null) {
      // A token limited to a team reads that team's tokens only, the caller's personal ones in it
      // included (an admin's: every personal token in it, as tokenRole has it).
      const admin = principal.user.role === 'admin';
      const member = admin || (await this.deps.accounts.findRole(scope, userId)) !== undefined;
      return { kind: 'some', userId, ownOutsideTeams: false, teams: member ? [{ teamId: scope, allPersonal: admin }] : [] };
    }
    const teams: Array<{ teamId: string; allPersonal: boolean }> = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.accounts.listTeams({ limit: 200, memberId: userId, ...(cursor ? { cursor } : {}) });
      for (const team of page.items) teams.push({ teamId: team.id, allPersonal: false });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return { kind: 'some', userId, ownOutsideTeams: true, teams };
  }

  /**
   * Moves minute rows past their retention into hours, hours into days, and deletes days past
   * theirs; at most once a minute per node (`force` for tests). Safe on many nodes at once: each
   * move claims its rows (AnalyticsStore.rollUp).
   */
  async sweep(force = false): Promise<{ minutes: number; hours: number; deleted: number } | undefined> {
    const now = this.deps.runtime.now();
    if (!force && now - this.#lastSweep < SWEEP_EVERY_MS) return undefined;
    this.#lastSweep = now;
    const cut = sweepCutoffs(now, this.retention);
    const minutes = await this.deps.store.rollUp('minute', cut.minutesBefore);
    const hours = await this.deps.store.rollUp('hour', cut.hoursBefore);
    const deleted = await this.deps.store.deleteBefore(cut.deleteBefore);
    return { minutes, hours, deleted };
  }
}
