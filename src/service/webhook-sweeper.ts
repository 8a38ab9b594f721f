import { tokenEvent } from '../core/events.js';
import { webhookHears } from '../core/webhook.js';
import type { EventOutboxStore } from '../store/event-outbox-store.js';
import type { TokenStore } from '../store/token-store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { Runtime } from './runtime.js';
import type { WebhookOutbox } from './webhook-outbox.js';

const DAY_MS = 86_400_000;
const PAGE = 500;

/**
 * The webhook work that runs on a timer rather than on a change: `token.expiring`, sent to each
 * webhook that listens for it once per token and expiry (a notice claimed in the store, so once
 * across every node, and again if the expiry is moved), and forgetting deliveries and events past
 * their retention.
 */
export class WebhookSweeper {
  constructor(
    private readonly deps: { webhooks: WebhookStore; outbox: EventOutboxStore; tokens: TokenStore; publisher: WebhookOutbox; runtime: Runtime },
    private readonly options: { retentionMs: number },
  ) {}

  /** Answers how many token.expiring events it sent. */
  async sweep(): Promise<number> {
    const now = this.deps.runtime.now();
    const sent = await this.#expiring(now);
    await this.deps.outbox.prune(now - this.options.retentionMs);
    return sent;
  }

  async #expiring(now: number): Promise<number> {
    const listening = (await this.deps.webhooks.listListening()).filter((w) => w.events.includes('token.expiring'));
    if (listening.length === 0) return 0;
    const horizon = now + Math.max(...listening.map((w) => w.expiringDays)) * DAY_MS;
    let sent = 0;
    let cursor: string | undefined;
    // Every active token is read: the token store has no index by expiry (yet); a sweep a minute keeps it cheap enough.
    do {
      const page = await this.deps.tokens.list({ status: 'active', now, limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });
      for (const token of page.items) {
        if (token.expiresAt === null || token.expiresAt > horizon) continue;
        const event = tokenEvent('token.expiring', token, { expiresAt: token.expiresAt, expiresInMs: token.expiresAt - now });
        for (const webhook of listening) {
          if (token.expiresAt > now + webhook.expiringDays * DAY_MS || !webhookHears(webhook, event)) continue;
          if (!(await this.deps.webhooks.claimNotice(webhook.id, 'token.expiring', `${token.id}@${token.expiresAt}`, now))) continue;
          await this.deps.publisher.publishTo(webhook.id, event);
          sent++;
        }
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return sent;
  }
}
