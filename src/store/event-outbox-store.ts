import type { EventInput, EventType } from '../core/events.js';
import type { AttemptResult } from '../core/webhook.js';
import type { Page } from './page.js';

/** An event as the installation's event log keeps it. */
export interface LoggedEvent extends EventInput {
  /** 1, 2, 3, … in the order the events were appended (numbered like the change log). */
  seq: number;
  /** `msg_…`: the `webhook-id` every delivery of it carries, the same across retries and redeliveries. */
  id: string;
  /** When it was published (ms since the epoch): the payload's `timestamp`. */
  at: number;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event on its way to one webhook: attempted until it succeeds or its retries run out. */
export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventId: string;
  eventType: EventType;
  subject: string;
  status: DeliveryStatus;
  /** Attempts begun (a claim counts one, even if its node died before it ended). */
  attempts: number;
  /** When it may be attempted (again); null once it is final. */
  nextAttemptAt: number | null;
  /** While a node holds it: no other node attempts it before then. */
  leaseUntil: number | null;
  firstAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** A new event, and the deliveries (`dlv_…` ids) it makes. */
export interface OutgoingEvent {
  event: Omit<LoggedEvent, 'seq' | 'at'>;
  deliveries: ReadonlyArray<{ id: string; webhookId: string }>;
}

export interface ClaimedDelivery {
  delivery: DeliveryRecord;
  event: LoggedEvent;
}

/** How an attempt ended, as the store records it. */
export interface AttemptOutcome extends AttemptResult {
  at: number;
  /** When to try again; null with `ok` false: given up. */
  retryAt: number | null;
}

/**
 * The outbox: the event log and one delivery per event and webhook that hears of it, written in one
 * transaction with the event. Nodes claim deliveries with a lease by a guarded update, so one attempt
 * runs at a time across every node, and a delivery is claimable only once every earlier delivery of
 * the same subject to the same webhook is final (in order per token).
 */
export interface EventOutboxStore {
  /** Appends the events under consecutive numbers with their deliveries, all or nothing. */
  append(events: readonly OutgoingEvent[], at: number): Promise<LoggedEvent[]>;
  /** Events after `seq`, oldest first, at most `limit`. */
  since(seq: number, limit: number): Promise<LoggedEvent[]>;
  /**
   * Up to `limit` deliveries claimable at `now`, oldest event first, taking none: pending, due, whose
   * lease (if any) has run out, of active webhooks, with no earlier pending delivery of the same
   * subject to the same webhook.
   */
  due(now: number, limit: number): Promise<ClaimedDelivery[]>;
  /**
   * Leases a candidate of `due` to `owner` until `now + leaseMs` and counts an attempt, if it is still
   * claimable at `now` by every condition of `due` (another node may have attempted it and set a retry
   * since it was read, or its webhook been paused); undefined when it is not. Only the candidate's id
   * and event are used: the delivery returned is the one the store now holds.
   */
  take(candidate: ClaimedDelivery, owner: string, now: number, leaseMs: number): Promise<ClaimedDelivery | undefined>;
  /** Records an attempt's end, if `owner` still holds the lease; false when it does not (another node took it over). */
  complete(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean>;
  findDelivery(webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /** A webhook's deliveries, newest first. */
  listDeliveries(webhookId: string, page: { limit: number; cursor?: string }): Promise<Page<DeliveryRecord>>;
  /** A new pending delivery (`id`) of the event of `deliveryId` to the same webhook; undefined when there is no such delivery. */
  redeliver(webhookId: string, deliveryId: string, id: string, now: number): Promise<DeliveryRecord | undefined>;
  /** Makes a resumed webhook's pending deliveries due at once. */
  resume(webhookId: string, now: number): Promise<void>;
  /**
   * Forgets final deliveries, and events with no pending delivery, recorded before `before`; and
   * every delivery of a webhook that no longer exists (a publish that read it before its deletion).
   */
  prune(before: number): Promise<number>;
}
