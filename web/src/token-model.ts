/**
 * What the token pages read from the API (GET /v1/tokens, /v1/whoami, /v1/analytics/verifications,
 * /v1/audit), the rights the page can judge before it asks (the server decides anyway), and how
 * times and amounts read for people.
 */
import type { paths } from '../../sdk/src/api-types';
import { api, query } from './api';
import { grants, type Session } from './session';

export type TokenStatus = 'active' | 'revoked' | 'expired' | 'disabled';

export interface RateLimitRule {
  name: string;
  limit: number;
  durationMs: number;
}

/** A token as the API shows it: the server's own schema, through the SDK's generated OpenAPI types. */
export type TokenView = paths['/v1/tokens/{id}']['get']['responses'][200]['content']['application/json']['token'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A new or rotated token: the secret is in this answer only. */
export interface IssuedToken {
  token: TokenView;
  secret: string;
}

export interface TeamMembership {
  team: { id: string; slug: string; name: string };
  role: 'owner' | 'member' | 'viewer';
}

export interface Whoami {
  user: { id: string; name: string; role: 'admin' | 'member' };
  teams: TeamMembership[];
}

export interface UsageSeries {
  key: { outcome?: string; tokenId?: string; tag?: string };
  total: number;
  points: Array<{ t: number; count: number }>;
}

export interface Usage {
  granularity: 'minute' | 'hour' | 'day';
  from: number;
  to: number;
  series: UsageSeries[];
}

export interface AuditEvent {
  id: string;
  at: number;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const whoami = () => api<Whoami>('GET', '/v1/whoami');

/** Verifications from `from` to `to` in buckets of `granularity`; filters and grouping as the API takes them. */
export function usage(params: {
  from: number;
  to: number;
  granularity: 'hour' | 'day';
  groupBy: 'outcome' | 'token';
  tokenId?: string;
  teamId?: string;
  ownerUserId?: string;
}): Promise<Usage> {
  return api<Usage>('GET', `/v1/analytics/verifications${query(params)}`);
}

/** The start of the bucket `at` falls in (UTC hours and days, as the API counts them). */
export function bucketStart(at: number, granularity: 'hour' | 'day'): number {
  const size = granularity === 'hour' ? HOUR : DAY;
  return Math.floor(at / size) * size;
}

/** The buckets from `from` to `to`, and each one's count in `points` (0 where none was counted). */
export function buckets(
  points: ReadonlyArray<{ t: number; count: number }>,
  from: number,
  to: number,
  granularity: 'hour' | 'day',
): Array<{ t: number; count: number }> {
  const size = granularity === 'hour' ? HOUR : DAY;
  const counts = new Map<number, number>();
  for (const point of points) {
    const t = bucketStart(point.t, granularity);
    counts.set(t, (counts.get(t) ?? 0) + point.count);
  }
  const out: Array<{ t: number; count: number }> = [];
  for (let t = bucketStart(from, granularity); t < to; t += size) out.push({ t, count: counts.get(t) ?? 0 });
  return out;
}

/**
 * Whether the signed-in user may change `token`, as the server judges it: the scope, then an admin
 * may change any; a team's token needs the role owner or member there; a token of no team, its owner.
 */
export function mayChange(session: Session | null | undefined, me: Whoami | undefined, token: TokenView, scope = 'tokens:write'): boolean {
  if (!grants(session, scope) || !me) return false;
  if (me.user.role === 'admin') return true;
  if (token.type === 'personal') return token.ownerUserId === me.user.id;
  if (token.teamId) return me.teams.some((m) => m.team.id === token.teamId && m.role !== 'viewer');
  return token.ownerUserId === me.user.id;
}

/** The teams where the user may create tokens (owner or member). */
export function writableTeams(me: Whoami | undefined): TeamMembership[] {
  return (me?.teams ?? []).filter((m) => m.role !== 'viewer');
}

/** What the token view shows of the secret: its prefix and last four characters, never more. */
export function secretEnds(token: Pick<TokenView, 'prefix' | 'suffix'>): string {
  return `${token.prefix}_…${token.suffix}`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatTime(at: number | null | undefined, none = 'never'): string {
  return at === null || at === undefined ? none : dateTime.format(new Date(at));
}

/** "3 minutes ago", "in 2 days": for last use and expiry. */
export function formatRelative(at: number, now = Date.now()): string {
  const delta = at - now;
  const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
    ['day', DAY],
    ['hour', HOUR],
    ['minute', MINUTE],
  ];
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of units) if (Math.abs(delta) >= size) return format.format(Math.round(delta / size), unit);
  return delta < 0 ? 'just now' : 'in less than a minute';
}

export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['day', DAY],
    ['hour', HOUR],
    ['minute', MINUTE],
    ['second', 1000],
  ];
  for (const [unit, size] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms / size === 1 ? '' : 's'}`;
  return `${ms} ms`;
}
