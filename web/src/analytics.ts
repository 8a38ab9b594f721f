import { api, query } from './api';
import { DAY, HOUR } from './time';

/** What `GET /v1/analytics/verifications` answers (docs/analytics.md). */
export interface VerificationSeries {
  key: { outcome?: string; tokenId?: string; tag?: string };
  total: number;
  points: Array<{ t: number; count: number; credits: string | number }>;
}
export interface VerificationAnalytics {
  granularity: Granularity;
  from: number;
  to: number;
  series: VerificationSeries[];
}
export type Granularity = 'minute' | 'hour' | 'day';

export interface AnalyticsQuery {
  from: number;
  to: number;
  granularity: Granularity;
  groupBy?: 'outcome' | 'token' | 'tag';
  /** One token, or several (up to 50). */
  tokenId?: string | readonly string[];
  ownerUserId?: string;
  teamId?: string;
  outcome?: string;
  tag?: string;
}

export function verifications(q: AnalyticsQuery): Promise<VerificationAnalytics> {
  return api<VerificationAnalytics>('GET', `/v1/analytics/verifications${query({ ...q })}`);
}

/** The ranges the pages offer: the last day by hour, the last week or month by day. */
export const RANGES = {
  '24h': { label: 'Last 24 hours', span: DAY, granularity: 'hour', step: HOUR },
  '7d': { label: 'Last 7 days', span: 7 * DAY, granularity: 'day', step: DAY },
  '30d': { label: 'Last 30 days', span: 30 * DAY, granularity: 'day', step: DAY },
} as const satisfies Record<string, { label: string; span: number; granularity: Granularity; step: number }>;
export type RangeName = keyof typeof RANGES;

/** `from`/`to` for a range ending now, `from` on a bucket boundary so the first bucket is whole. */
export function rangeEndingNow(name: RangeName, now = Date.now()): { from: number; to: number; granularity: Granularity; step: number } {
  const range = RANGES[name];
  const to = Math.ceil(now / range.step) * range.step;
  return { from: to - range.span, to, granularity: range.granularity, step: range.step };
}
