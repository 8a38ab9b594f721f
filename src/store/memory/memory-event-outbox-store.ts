import type { AttemptOutcome, ClaimedDelivery, DeliveryRecord, EventOutboxStore, LoggedEvent, OutgoingEvent } from '../event-outbox-store.js';
import type { Page } from '../page.js';
import type { MemoryWebhookStore } from './memory-webhook-store.js';
import { paginate } from './paginate.js';

interface HeldDelivery extends DeliveryRecord {
  leaseOwner: string | null;
}

export class MemoryEventOutboxStore implements EventOutboxStore {
  readonly #events: LoggedEvent[] = [];
  readonly #deliveries = new Map<string, HeldDelivery>();
  #latest = 0;

  constructor(private readonly webhooks: MemoryWebhookStore) {}

  async append(events: readonly OutgoingEvent[], at: number): Promise<LoggedEvent[]> {
    const logged: LoggedEvent[] = [];
    for (const { event, deliveries } of events) {
      const entry: LoggedEvent = { ...structuredClone(event), seq: ++this.#latest, at };
      this.#events.push(entry);
      logged.push(structuredClone(entry));
      for (const d of deliveries) this.#deliveries.set(d.id, newDelivery(d.id, d.webhookId, entry, at));
    }
    return logged;
  }

  async since(seq: number, limit: number): Promise<LoggedEvent[]> {
    return this.#events
      .filter((e) => e.seq > seq)
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  async due(now: number, limit: number): Promise<ClaimedDelivery[]> {
    const pending = [...this.#deliveries.values()].filter((d) => d.status === 'pending').sort((a, b) => a.eventSeq - b.eventSeq || cmp(a.id, b.id));
    const due: ClaimedDelivery[] = [];
    const blocked = new Set<string>();
    for (const d of pending) {
      const line = `${d.webhookId}\n${d.subject}`;
      // Only the first pending delivery of a subject to a webhook may go: the rest wait behind it.
      if (blocked.has(line)) continue;
      blocked.add(line);
      if (due.length >= limit || !this.#free(d, now)) continue;
      due.push({ delivery: view(d), event: structuredClone(this.#events.find((e) => e.seq === d.eventSeq)!) });
    }
    return due;
  }

  async take(candidate: ClaimedDelivery, owner: string, now: number, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    const d = this.#deliveries.get(candidate.delivery.id);
    // All that made it due, checked again: the candidate may have been read before another claimer changed it.
    if (!d || !this.#free(d, now) || this.#behind(d)) return undefined;
    d.leaseUntil = now + leaseMs;
    d.leaseOwner = owner;
    d.attempts += 1;
    d.firstAttemptAt ??= now;
    d.lastAttemptAt = now;
    return { delivery: view(d), event: structuredClone(candidate.event) };
  }

  /** Pending, due, not leased, and its webhook active. */
  #free(d: HeldDelivery, now: number): boolean {
    return (
      d.status === 'pending' &&
      d.nextAttemptAt !== null &&
      d.nextAttemptAt <= now &&
      (d.leaseUntil === null || d.leaseUntil <= now) &&
      this.webhooks.peek(d.webhookId)?.status === 'active'
    );
  }

  /** An earlier delivery of its subject to its webhook is pending. */
  #behind(d: HeldDelivery): boolean {
    for (const e of this.#deliveries.values()) {
      if (
        e.webhookId === d.webhookId &&
        e.subject === d.subject &&
        e.status === 'pending' &&
        (e.eventSeq < d.eventSeq || (e.eventSeq === d.eventSeq && cmp(e.id, d.id) < 0))
      )
        return true;
    }
    return false;
  }

  async complete(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean> {
    const d = this.#deliveries.get(deliveryId);
    if (!d || d.status !== 'pending' || d.leaseOwner !== owner) return false;
    d.lastStatusCode = outcome.statusCode;
    d.lastError = outcome.error;
    d.leaseUntil = null;
    d.leaseOwner = null;
    if (outcome.ok) {
      d.status = 'succeeded';
      d.deliveredAt = outcome.at;
      d.nextAttemptAt = null;
    } else if (outcome.retryAt === null) {
      d.status = 'failed';
      d.nextAttemptAt = null;
    } else {
      d.nextAttemptAt = outcome.retryAt;
    }
    return true;
  }

  async findDelivery(webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const d = this.#deliveries.get(deliveryId);
    return d && d.webhookId === webhookId ? view(d) : undefined;
  }

  async listDeliveries(webhookId: string, page: { limit: number; cursor?: string }): Promise<Page<DeliveryRecord>> {
    const result = paginate(
      [...this.#deliveries.values()].filter((d) => d.webhookId === webhookId),
      page,
    );
    return { ...result, items: result.items.map(view) };
  }

  async redeliver(webhookId: string, deliveryId: string, id: string, now: number): Promise<DeliveryRecord | undefined> {
    const source = this.#deliveries.get(deliveryId);
    if (!source || source.webhookId !== webhookId) return undefined;
    const event = this.#events.find((e) => e.seq === source.eventSeq);
    if (!event) return undefined;
    const d = newDelivery(id, webhookId, event, now);
    this.#deliveries.set(id, d);
    return view(d);
  }

  async resume(webhookId: string, now: number): Promise<void> {
    for (const d of this.#deliveries.values()) {
      if (d.webhookId === webhookId && d.status === 'pending' && (d.nextAttemptAt ?? 0) > now) d.nextAttemptAt = now;
    }
  }

  async prune(before: number): Promise<number> {
    let pruned = 0;
    for (const [id, d] of this.#deliveries) {
      // A deleted webhook's: never claimed, never final (see the SQL store's prune).
      if ((d.status !== 'pending' && d.createdAt < before) || !this.webhooks.peek(d.webhookId)) {
        this.#deliveries.delete(id);
        pruned++;
      }
    }
    const referenced = new Set([...this.#deliveries.values()].map((d) => d.eventSeq));
    for (let i = this.#events.length - 1; i >= 0; i--) {
      const e = this.#events[i]!;
      if (e.at < before && !referenced.has(e.seq) && e.seq !== this.#latest) {
        this.#events.splice(i, 1);
        pruned++;
      }
    }
    return pruned;
  }
}

function newDelivery(id: string, webhookId: string, event: LoggedEvent, now: number): HeldDelivery {
  return {
    id,
    webhookId,
    eventSeq: event.seq,
    eventId: event.id,
    eventType: event.type,
    subject: event.subject,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    leaseUntil: null,
    leaseOwner: null,
    firstAttemptAt: null,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: now,
    deliveredAt: null,
  };
}

function view({ leaseOwner: _owner, ...d }: HeldDelivery): DeliveryRecord {
  return { ...d };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
