import { VERIFY_CODES, type VerifyCode } from './verify.js';

/**
 * Verification analytics: how many verifications of each outcome a token had per minute, hour
 * or day, and the credits they spent. Pure: bucket arithmetic, the window rules of a query, and
 * what a tag may be.
 */
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const BUCKET_MS: Record<Granularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The bucket (its start, in epoch ms; days start at 00:00 UTC) that `at` falls in. */
export function bucketStart(at: number, granularity: Granularity): number {
  const size = BUCKET_MS[granularity];
  return at - (((at % size) + size) % size);
}

export const GROUP_BYS = ['outcome', 'token', 'tag'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** Outcomes by position: the recorder counts in arrays indexed by this, never by a string key. */
export const OUTCOME_INDEX: Readonly<Record<VerifyCode, number>> = Object.fromEntries(VERIFY_CODES.map((code, i) => [code, i])) as Record<VerifyCode, number>;

/** At most this many tags on one verification, each 1–64 characters of TAG_PATTERN. */
export const MAX_TAGS = 10;
export const TAG_PATTERN = '^[A-Za-z0-9._:/@=+-]{1,64}$';

/** At most this many buckets in one query's window. */
export const MAX_BUCKETS = 10_000;
/** At most this many series in one answer (the busiest). */
export const MAX_SERIES = 50;

/** The granularity a window is read at when the caller names none: a few hundred points at most. */
export function defaultGranularity(from: number, to: number): Granularity {
  const span = to - from;
  if (span <= 6 * BUCKET_MS.hour) return 'minute';
  if (span <= 31 * BUCKET_MS.day) return 'hour';
  return 'day';
}

/** How many buckets of `granularity` the window [from, to) touches. */
export function bucketsIn(from: number, to: number, granularity: Granularity): number {
  return Math.ceil((to - bucketStart(from, granularity)) / BUCKET_MS[granularity]);
}

/** Why a query's window cannot be read, or undefined when it can. */
export function windowProblem(from: number, to: number, granularity: Granularity): string | undefined {
  if (!(from < to)) return '`from` must be before `to`';
  const buckets = bucketsIn(from, to, granularity);
  if (buckets > MAX_BUCKETS) return `the window holds ${buckets} ${granularity} buckets; at most ${MAX_BUCKETS} may be read at once`;
  return undefined;
}

/** How long rows of each granularity are kept before the sweep moves or deletes them. */
export interface AnalyticsRetention {
  /** Minute rows older than this become hour rows. */
  minuteMs: number;
  /** Hour rows older than this become day rows. */
  hourMs: number;
  /** Rows older than this are deleted. */
  totalMs: number;
}

/** The cutoffs of one sweep at `now`: each on a boundary of the granularity rows move into, so a bucket moves whole. */
export function sweepCutoffs(now: number, retention: AnalyticsRetention): { minutesBefore: number; hoursBefore: number; deleteBefore: number } {
  return {
    minutesBefore: bucketStart(now - retention.minuteMs, 'hour'),
    hoursBefore: bucketStart(now - retention.hourMs, 'day'),
    deleteBefore: bucketStart(now - retention.totalMs, 'day'),
  };
}
