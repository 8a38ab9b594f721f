import type { TokenRecord } from './token.js';

/**
 * What tessera tells the outside world about (webhooks, issue 22). Names follow
 * `<object>.<past participle>`; a new type is added at the end of this list.
 */
export const EVENT_TYPES = [
  'token.created',
  'token.updated',
  'token.rotated',
  'token.revoked',
  'token.deleted',
  'token.disabled',
  'token.enabled',
  'token.leaked',
  'token.expiring',
  'credits.low',
  'credits.exhausted',
  'user.disabled',
  'user.enabled',
  'webhook.paused',
  'webhook.test',
  /** A token unused for long will be revoked by the lifecycle policy's inactivity sweep (data: revokeAt, inactivityDays, level). */
  'token.inactive',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * One thing that happened, as a service reports it. Never holds a secret: a token appears by its
 * id, name, prefix and suffix, never by its text or digest.
 */
export interface EventInput {
  type: EventType;
  /**
   * What the event is about: events with the same subject reach each receiver in the order they
   * were published (a token's id; a user's id).
   */
  subject: string;
  /** The team whose object it is (null for a personal token or a user): decides which team webhooks hear of it. */
  teamId: string | null;
  /** The user whose object it is: decides which of a user's own webhooks hear of it. */
  ownerUserId: string | null;
  /** The payload's `data`, JSON-serializable. */
  data: Record<string, unknown>;
}

/** The non-secret facts about a token that every token event carries. */
export function tokenEventData(token: TokenRecord): Record<string, unknown> {
  return {
    id: token.id,
    name: token.name,
    type: token.type,
    prefix: token.prefix,
    suffix: token.suffix,
    scopes: [...token.scopes],
    ownerUserId: token.ownerUserId,
    teamId: token.teamId,
    expiresAt: token.expiresAt,
    revokedAt: token.revokedAt,
    leakedAt: token.leakedAt,
    leakedUrl: token.leakedUrl,
  };
}

/** An event about a token; `extra` adds to (never replaces) the token's facts. */
export function tokenEvent(type: EventType, token: TokenRecord, extra: Record<string, unknown> = {}): EventInput {
  return {
    type,
    subject: token.id,
    teamId: token.type === 'personal' ? null : token.teamId,
    ownerUserId: token.ownerUserId,
    data: { token: tokenEventData(token), ...extra },
  };
}
