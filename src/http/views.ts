import type { Static } from 'typebox';
import { formatCredits } from '../core/credits.js';
import { tokenStatus, type TokenRecord } from '../core/token.js';
import type { TokenView as TokenViewSchema } from './schemas/token-schemas.js';

export type TokenView = Static<typeof TokenViewSchema>;

/**
 * One of a record's lists, as its view shows it: the same array, not a copy (views are made on
 * every verification that is not answered from a kept one). Records are Readonly and never
 * changed in place; the response types say `T[]` only because TypeBox's `Static` does, and the
 * serializer only reads them.
 */
const shown = <T>(items: readonly T[]): T[] => items as T[];

/**
 * A token as the API shows it: every field but the digest, amounts as decimal strings, plus its
 * status now. Field by field rather than a rest spread, which costs several times more on the
 * verify path; the type makes a new TokenRecord field a compile error here until it is shown.
 */
export function tokenView(token: TokenRecord, now: number): TokenView {
  const { refill } = token;
  return {
    id: token.id,
    name: token.name,
    type: token.type,
    origin: token.origin,
    prefix: token.prefix,
    suffix: token.suffix,
    scopes: shown(token.scopes),
    resource: token.resource,
    environment: token.environment,
    projects: shown(token.projects),
    ownerUserId: token.ownerUserId,
    teamId: token.teamId,
    metadata: token.metadata,
    ipAllowlist: shown(token.ipAllowlist),
    expiresAt: token.expiresAt,
    createdAt: token.createdAt,
    updatedAt: token.updatedAt,
    activeAt: token.activeAt,
    useCount: token.useCount,
    revokedAt: token.revokedAt,
    leakedAt: token.leakedAt,
    leakedUrl: token.leakedUrl,
    disabledAt: token.disabledAt,
    ownerDisabledAt: token.ownerDisabledAt,
    parentId: token.parentId,
    rotatedFromId: token.rotatedFromId,
    creditsActive: token.creditsActive,
    creditPool: token.creditPool,
    lastRefillAt: token.lastRefillAt,
    rateLimits: shown(token.rateLimits),
    credits: token.credits === null ? null : formatCredits(token.credits),
    refill: refill && { amount: formatCredits(refill.amount), interval: refill.interval, dayOfMonth: refill.dayOfMonth },
    status: tokenStatus(token, now),
  };
}

const viewsOfCachedTokens = new WeakMap<TokenRecord, TokenView>();
const keptViews = new WeakSet<TokenView>();

/**
 * tokenView for the verify path. A record served from the token cache (`cached`) was shown
 * before and is likely to be again — a warm verification is answered from the same record many
 * times a second — so its view is kept, keyed by the record. A record just read from the store
 * gets a view of its own and nothing is kept: most records read once are not shown again (a
 * cache miss under a spread of tokens), and keeping their views would double what each cached
 * token holds in memory and cost a weak-map entry per miss. Records are never changed in place
 * (a change reads a new one from the store), so the record itself is the key.
 */
export function cachedTokenView(token: TokenRecord, now: number, cached: boolean): TokenView {
  if (!cached) return tokenView(token, now);
  const known = viewsOfCachedTokens.get(token);
  if (known && known.status === tokenStatus(token, now)) return known;
  const view = tokenView(token, now);
  viewsOfCachedTokens.set(token, view);
  keptViews.add(view);
  return view;
}

/** Whether `cachedTokenView` kept this view: what is derived from it may be kept alongside. */
export function isKeptView(view: TokenView): boolean {
  return keptViews.has(view);
}
