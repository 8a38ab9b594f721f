import type { WebhookRecord } from '../core/webhook.js';
import type { Page } from './page.js';

/** What a person may change of a webhook; `status` only to turn it on (`active`, resuming a paused one) or off (`disabled`). */
export interface WebhookPatch {
  url?: string;
  description?: string;
  events?: WebhookRecord['events'];
  status?: 'active' | 'disabled';
  expiringDays?: number;
  creditsLowThreshold?: bigint | null;
}

/** Whose webhooks a listing shows: one team's, one user's own (outside teams), or, for admins, the installation's. */
export type WebhookOwnerFilter = { teamId: string } | { ownerUserId: string } | { scope: 'installation' };

export interface WebhookStore {
  /** Throws AppError CONFLICT when the id exists. */
  insert(webhook: WebhookRecord): Promise<void>;
  find(id: string): Promise<WebhookRecord | undefined>;
  /** Newest first. */
  list(filter: WebhookOwnerFilter, page: { limit: number; cursor?: string }): Promise<Page<WebhookRecord>>;
  /** Every webhook that is not disabled: what an event is fanned out to. */
  listListening(): Promise<WebhookRecord[]>;
  /** Applies the patch; turning it `active` also forgets its failures. Undefined when there is no such webhook. */
  update(id: string, patch: WebhookPatch, now: number): Promise<WebhookRecord | undefined>;
  /** Moves to the next secret version; the previous one still signs until `previousUntil`. */
  rotateSecret(id: string, previousUntil: number, now: number): Promise<WebhookRecord | undefined>;
  /** Deletes the webhook and its deliveries; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Counts an attempt: a success forgets the failures, a failure adds one (and starts the run's clock). */
  recordAttempt(id: string, ok: boolean, now: number): Promise<WebhookRecord | undefined>;
  /** `active` → `paused`, guarded: true for the one caller that paused it (who then announces it). */
  pause(id: string, now: number): Promise<boolean>;
  /**
   * Records that the notice `kind` about `subject` went to the webhook (token.expiring, credits.low):
   * true for the first caller only, on any node, so it is sent once.
   */
  claimNotice(webhookId: string, kind: string, subject: string, now: number): Promise<boolean>;
}
