import { TOKEN_TYPES } from '../core/token.js';
import { oneOf, parseInteger, parseJsonObject } from './client-kit.js';
import type { RateLimit } from './token-views.js';
import { parseDuration, parseInstant } from './table.js';

/** The token flags `token create` and `token update` share, as commander hands them over. */
export interface TokenFlags {
  name?: string;
  type?: string;
  scope?: string[];
  expiresIn?: string;
  expiresAt?: string;
  neverExpires?: boolean;
  environment?: string;
  project?: string[];
  ip?: string[];
  metadata?: string;
  owner?: string;
  resource?: string;
  credits?: string;
  creditPool?: boolean;
  creditsOn?: boolean;
  creditsOff?: boolean;
  refill?: string;
  clearRefill?: boolean;
  rateLimit?: string[];
  clearRateLimits?: boolean;
}

/** `requests=100/1m`: at most 100 in any minute. */
export function parseRateLimit(text: string): RateLimit {
  const match = /^([A-Za-z0-9_.:-]{1,64})=(\d+)\/(\d+(?:ms|[smhdw]))$/.exec(text.trim());
  if (!match) throw new Error(`invalid rate limit "${text}": use name=limit/duration, e.g. requests=100/1m`);
  return { name: match[1]!, limit: parseInteger(match[2]!, `rate limit ${match[1]}`, 1, 1_000_000_000), durationMs: parseDuration(match[3]!) };
}

/** `100/monthly/15`, `100/monthly` (day 1) or `50/daily`. */
export function parseRefill(text: string): { amount: string; interval: 'daily' | 'monthly'; dayOfMonth?: number } {
  const [amount, interval, day, ...rest] = text.split('/');
  if (!amount || !interval || rest.length) throw new Error(`invalid --refill "${text}": use amount/daily or amount/monthly[/day], e.g. 100/monthly/1`);
  const refill = { amount, interval: oneOf(interval, '--refill interval', ['daily', 'monthly'] as const) };
  if (day === undefined) return refill;
  if (refill.interval !== 'monthly') throw new Error('--refill: only a monthly refill has a day');
  return { ...refill, dayOfMonth: parseInteger(day, '--refill day', 1, 31) };
}

function expiry(flags: TokenFlags): { expiresAt?: number | null } {
  const given = [flags.expiresIn, flags.expiresAt, flags.neverExpires].filter((v) => v !== undefined).length;
  if (given > 1) throw new Error('give one of --expires-in, --expires-at and --never-expires');
  if (flags.expiresIn !== undefined) return { expiresAt: Date.now() + parseDuration(flags.expiresIn) };
  if (flags.expiresAt !== undefined) return { expiresAt: parseInstant(flags.expiresAt) };
  return flags.neverExpires ? { expiresAt: null } : {};
}

function creditsActive(flags: TokenFlags): { creditsActive?: boolean } {
  if (flags.creditsOn && flags.creditsOff) throw new Error('give one of --credits-on and --credits-off');
  return flags.creditsOn ? { creditsActive: true } : flags.creditsOff ? { creditsActive: false } : {};
}

function limits(flags: TokenFlags): { rateLimits?: RateLimit[] } {
  if (flags.clearRateLimits) {
    if (flags.rateLimit) throw new Error('give one of --rate-limit and --clear-rate-limits');
    return { rateLimits: [] };
  }
  return flags.rateLimit ? { rateLimits: flags.rateLimit.map(parseRateLimit) } : {};
}

/** The body of POST /v1/tokens. */
export function createBody(flags: TokenFlags): Record<string, unknown> {
  if (flags.type !== undefined) oneOf(flags.type, '--type', TOKEN_TYPES);
  let resource: { kind: string; id: string } | undefined;
  if (flags.resource !== undefined) {
    const at = flags.resource.indexOf(':');
    if (at < 1 || at === flags.resource.length - 1) throw new Error(`invalid --resource "${flags.resource}": use kind:id, e.g. edge-config:ecfg_…`);
    resource = { kind: flags.resource.slice(0, at), id: flags.resource.slice(at + 1) };
  }
  return {
    name: flags.name,
    type: flags.type,
    scopes: flags.scope,
    ...expiry(flags),
    ownerUserId: flags.owner,
    resource,
    environment: flags.environment,
    projects: flags.project,
    ipAllowlist: flags.ip,
    metadata: flags.metadata === undefined ? undefined : parseJsonObject(flags.metadata, '--metadata'),
    credits: flags.credits,
    ...creditsActive(flags),
    creditPool: flags.creditPool,
    refill: flags.refill === undefined ? undefined : parseRefill(flags.refill),
    ...limits(flags),
  };
}

/** The body of PATCH /v1/tokens/{id}: only what was given; an error when nothing was. */
export function updateBody(flags: TokenFlags): Record<string, unknown> {
  if (flags.refill !== undefined && flags.clearRefill) throw new Error('give one of --refill and --clear-refill');
  const body: Record<string, unknown> = {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.scope !== undefined ? { scopes: flags.scope } : {}),
    ...expiry(flags),
    ...(flags.ip !== undefined ? { ipAllowlist: flags.ip } : {}),
    ...(flags.metadata !== undefined ? { metadata: parseJsonObject(flags.metadata, '--metadata') } : {}),
    ...creditsActive(flags),
    ...(flags.refill !== undefined ? { refill: parseRefill(flags.refill) } : flags.clearRefill ? { refill: null } : {}),
    ...limits(flags),
  };
  if (Object.keys(body).length === 0) throw new Error('nothing to change: give at least one flag (see --help)');
  return body;
}
