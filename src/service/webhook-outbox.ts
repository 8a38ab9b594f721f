import type { EventInput } from '../core/events.js';
import { newId } from '../core/ids.js';
import { webhookHears } from '../core/webhook.js';
import type { EventOutboxStore, LoggedEvent, OutgoingEvent } from '../store/event-outbox-store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { EventPublisher } from './event-publisher.js';
import type { Runtime } from './runtime.js';

/**
 * The EventPublisher services report to: each event is appended to the installation's event log
 * with one delivery for every webhook that hears of it, in one transaction, so an event stored is an
 * event delivered (at least once) and none is delivered that was not stored. Delivery itself is the
 * dispatcher's (webhook-dispatcher.ts); `onAppended` lets this node's dispatcher start at once
 * instead of at its next poll.
 */
export class WebhookOutbox implements EventPublisher {
  onAppended: () => void = () => {};

  constructor(private readonly deps: { webhooks: WebhookStore; outbox: EventOutboxStore; runtime: Runtime }) {}

  async publish(events: readonly EventInput[]): Promise<void> {
    if (events.length === 0) return;
    const listening = await this.deps.webhooks.listListening();
    await this.#append(events.map((event) => ({ event, webhookIds: listening.filter((w) => webhookHears(w, event)).map((w) => w.id) })));
  }

  /** Publishes `event` to one webhook only, whatever it listens to (webhook.test, token.expiring's per-webhook notice). */
  async publishTo(webhookId: string, event: EventInput): Promise<LoggedEvent> {
    const [logged] = await this.#append([{ event, webhookIds: [webhookId] }]);
    return logged!;
  }

  async #append(items: ReadonlyArray<{ event: EventInput; webhookIds: readonly string[] }>): Promise<LoggedEvent[]> {
    const { runtime } = this.deps;
    const now = runtime.now();
    const outgoing: OutgoingEvent[] = items.map(({ event, webhookIds }) => ({
      event: { ...event, id: newId('msg', now, runtime.randomBytes) },
      deliveries: webhookIds.map((webhookId) => ({ id: newId('dlv', now, runtime.randomBytes), webhookId })),
    }));
    const logged = await this.deps.outbox.append(outgoing, now);
    if (outgoing.some((o) => o.deliveries.length > 0)) this.onAppended();
    return logged;
  }
}
