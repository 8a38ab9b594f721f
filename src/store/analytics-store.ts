import type { Granularity, GroupBy } from '../core/analytics.js';
import type { VerifyCode } from '../core/verify.js';

/**
 * One count of verifications: of one outcome, of one token (null: none was found), in one
 * bucket, under one tag ('' is the total every verification adds to; a tag's row is extra, for
 * grouping by tag, so totals never count a verification twice).
 */
export interface VerificationCount {
  granularity: Granularity;
  bucketStart: number;
  tokenId: string | null;
  outcome: VerifyCode;
  tag: string;
  ownerUserId: string | null;
  teamId: string | null;
  tokenType: string | null;
  count: number;
  /** Credits the verifications spent, in 10⁻⁹ credits. */
  credits: bigint;
}

/**
 * Whose rows a read may see: every row (an admin), or the rows of the tokens a caller may read —
 * their own outside any team, and per team they belong to, the team's tokens but personal ones
 * only when `allPersonal` (else only their own). Rows of no token are in `all` only.
 */
export type CountVisibility =
  | { kind: 'all' }
  | { kind: 'some'; userId: string; ownOutsideTeams: boolean; teams: ReadonlyArray<{ teamId: string; allPersonal: boolean }> };

export interface SeriesQuery {
  /** Buckets starting at or after `from` (already on a bucket boundary) and before `to`. */
  from: number;
  to: number;
  granularity: Granularity;
  groupBy: GroupBy;
  visibility: CountVisibility;
  /** Only these tokens' rows. */
  tokenIds?: readonly string[];
  ownerUserId?: string;
  teamId?: string;
  outcomes?: readonly VerifyCode[];
  /** Only this tag's rows; without it, the totals (tag '') unless grouping by tag. */
  tag?: string;
  /** The busiest this many series. */
  limit: number;
}

export interface SeriesPoint {
  t: number;
  count: number;
  credits: bigint;
}

export interface Series {
  /** The outcome, token id ('' for no token) or tag the series is of. */
  key: string;
  total: number;
  points: SeriesPoint[];
}

export interface AnalyticsStore {
  /**
   * Adds the counts (count and credits summed into what is stored: `count = count + excluded.count`)
   * in one transaction, so flushes from many nodes add up exactly. One entry per key in a batch.
   */
  add(counts: readonly VerificationCount[]): Promise<void>;
  /**
   * Moves every row of granularity `from` with a bucket before `before` into the coarser
   * granularity (hour → day, minute → hour), summed: in one statement or transaction, so two
   * nodes sweeping at once move each row once. Answers how many rows were moved.
   */
  rollUp(from: 'minute' | 'hour', before: number): Promise<number>;
  /** Deletes every row with a bucket before `before`; answers how many. */
  deleteBefore(before: number): Promise<number>;
  /**
   * The series of a query, busiest first, at most `limit`: rows finer than the granularity are
   * summed into its buckets; points only for buckets with counts, oldest first.
   */
  series(query: SeriesQuery): Promise<Series[]>;
}

/**
 * The most credits one row holds (a signed 64-bit column): sums stop there rather than fail, since
 * a batch the database refused would be tried again, and refused again, for ever.
 */
export const MAX_ROW_CREDITS = 2n ** 63n - 1n;

/** The coarser granularity rows of `from` roll up into. */
export const ROLLS_INTO = { minute: 'hour', hour: 'day' } as const;

/** The key a count is stored under: rows with equal keys add up. */
export function countKey(c: Pick<VerificationCount, 'granularity' | 'bucketStart' | 'tokenId' | 'outcome' | 'tag'>): string {
  return `${c.granularity}\u0000${c.bucketStart}\u0000${c.tokenId ?? ''}\u0000${c.outcome}\u0000${c.tag}`;
}

/** Whether a row of this token is visible (the memory store's reading of CountVisibility; the SQL stores write it as a where). */
export function visibleTo(visibility: CountVisibility, row: Pick<VerificationCount, 'tokenId' | 'ownerUserId' | 'teamId' | 'tokenType'>): boolean {
  if (visibility.kind === 'all') return true;
  if (row.tokenId === null) return false;
  if (row.teamId === null) return visibility.ownOutsideTeams && row.ownerUserId === visibility.userId;
  const team = visibility.teams.find((t) => t.teamId === row.teamId);
  if (!team) return false;
  return row.tokenType !== 'personal' || team.allPersonal || row.ownerUserId === visibility.userId;
}
