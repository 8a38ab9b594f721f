import { createHmac, hkdfSync } from 'node:crypto';
import { parseCredits } from './credits.js';
import type { EventInput, EventType } from './events.js';

/**
 * Who a webhook hears of: `user`, its owner's own objects outside any team; `team`, one team's
 * objects; `installation` (admins only), everything.
 */
export type WebhookScope = 'user' | 'team' | 'installation';

/**
 * `active` delivers; `paused` was stopped by tessera after repeated failures (events still queue,
 * and are delivered once it is resumed); `disabled` was turned off by a person (nothing queues).
 */
export type WebhookStatus = 'active' | 'paused' | 'disabled';

export interface WebhookRecord {
  id: string;
  url: string;
  description: string;
  events: EventType[];
  scope: WebhookScope;
  ownerUserId: string;
  teamId: string | null;
  status: WebhookStatus;
  /** Which derivation of the signing secret is current (1, 2, … — a rotation adds one). */
  secretVersion: number;
  /** Until then deliveries are also signed with the previous version's secret; null when there is none. */
  previousSecretUntil: number | null;
  /** How many days ahead of a token's expiry `token.expiring` is sent. */
  expiringDays: number;
  /** `credits.low` is sent when a token's own balance falls to this (10⁻⁹ credits) or below; null: never. */
  creditsLowThreshold: bigint | null;
  /** Attempts that failed in a row since the last success. */
  consecutiveFailures: number;
  /** When the current run of failures began; null while the last attempt succeeded. */
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Whether `webhook` hears of `event` (its scope and event list; a disabled webhook hears of nothing). */
export function webhookHears(webhook: WebhookRecord, event: Pick<EventInput, 'type' | 'teamId' | 'ownerUserId'> & { data?: Record<string, unknown> }): boolean {
  if (webhook.status === 'disabled' || !webhook.events.includes(event.type)) return false;
  if (event.type === 'credits.low' && !crossesThreshold(webhook.creditsLowThreshold, event.data ?? {})) return false;
  switch (webhook.scope) {
    case 'installation':
      return true;
    case 'team':
      return event.teamId !== null && event.teamId === webhook.teamId;
    case 'user':
      return event.teamId === null && event.ownerUserId === webhook.ownerUserId;
  }
}

/** Whether a credits.low event (its `previous` and `remaining` balances) went past this webhook's own threshold. */
function crossesThreshold(threshold: bigint | null, data: Record<string, unknown>): boolean {
  if (threshold === null || typeof data.remaining !== 'string' || typeof data.previous !== 'string') return false;
  const remaining = parseCredits(data.remaining);
  const previous = parseCredits(data.previous);
  return remaining !== undefined && previous !== undefined && remaining <= threshold && threshold < previous;
}

/** The prefix Standard Webhooks libraries strip from a base64 secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The key webhook secrets are derived under: HKDF of the server key with its own label, so it makes nothing else. */
export function webhookSecretKeyOf(serverKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, 'tessera webhook', 'signing secret', 32));
}

/**
 * A webhook's signing secret, `whsec_<base64 of 32 bytes>`: HMAC-SHA256 of its id and version
 * under the webhook key. Derived, never stored (docs/adr/0016-webhook-outbox.md): any node with the
 * server key signs with it, and a rotation is the next version.
 */
export function webhookSecretOf(key: Uint8Array, webhookId: string, version: number): string {
  const bytes = createHmac('sha256', key).update(`webhook\n${webhookId}\n${version}`).digest();
  return WEBHOOK_SECRET_PREFIX + bytes.toString('base64');
}

/** What a receiver gets as the body: `{type, timestamp, data}` (Standard Webhooks' payload structure). */
export function webhookPayload(event: { type: EventType; at: number; data: Record<string, unknown> }): string {
  const body = { type: event.type, timestamp: new Date(event.at).toISOString(), data: event.data };
  return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

export interface RetryPolicy {
  /** The first retry waits about this long. */
  baseMs: number;
  /** No wait is longer than this. */
  maxMs: number;
  /** A delivery is retried until this long after its first attempt, then given up. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 3_600_000, giveUpAfterMs: 24 * 3_600_000 };

/**
 * When to try again after failed attempt number `attempts` (1 = the first), or null to give up:
 * exponential, capped, with "equal jitter" (half fixed, half random) so receivers coming back are
 * not hit by every node's retries at once. `random` is in [0, 1).
 */
export function nextAttemptAt(policy: RetryPolicy, attempts: number, firstAttemptAt: number, now: number, random: number): number | null {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  const at = now + Math.round(exponential / 2 + (exponential / 2) * random);
  return at - firstAttemptAt > policy.giveUpAfterMs ? null : at;
}

export interface PausePolicy {
  /** At least this many attempts in a row must have failed … */
  failures: number;
  /** … over at least this long, before a webhook is paused. */
  afterMs: number;
}

export const DEFAULT_PAUSE: PausePolicy = { failures: 15, afterMs: 24 * 3_600_000 };

/** Whether a webhook whose attempts keep failing is paused: a burst of failures alone does not, nor does a slow trickle. */
export function shouldPause(policy: PausePolicy, webhook: Pick<WebhookRecord, 'consecutiveFailures' | 'failingSince'>, now: number): boolean {
  return webhook.failingSince !== null && webhook.consecutiveFailures >= policy.failures && now - webhook.failingSince >= policy.afterMs;
}

/** An attempt's outcome: delivered is any 2xx answer; anything else is retried. */
export interface AttemptResult {
  ok: boolean;
  /** The HTTP status the receiver answered; null when none (refused, timed out, connection failed). */
  statusCode: number | null;
  /** Why it failed, for people (no secret, no response body beyond a short excerpt). */
  error: string | null;
}
