import { AppError } from '../../core/errors.js';
import type { WebhookRecord } from '../../core/webhook.js';
import type { Page } from '../page.js';
import type { WebhookOwnerFilter, WebhookPatch, WebhookStore } from '../webhook-store.js';
import { paginate } from './paginate.js';

export class MemoryWebhookStore implements WebhookStore {
  readonly #webhooks = new Map<string, WebhookRecord>();
  readonly #notices = new Set<string>();

  async insert(webhook: WebhookRecord): Promise<void> {
    if (this.#webhooks.has(webhook.id)) throw new AppError('CONFLICT', 'the webhook exists');
    this.#webhooks.set(webhook.id, copy(webhook));
  }

  async find(id: string): Promise<WebhookRecord | undefined> {
    const found = this.#webhooks.get(id);
    return found && copy(found);
  }

  /** The stored record itself, for the memory outbox's claims. */
  peek(id: string): WebhookRecord | undefined {
    return this.#webhooks.get(id);
  }

  async list(filter: WebhookOwnerFilter, page: { limit: number; cursor?: string }): Promise<Page<WebhookRecord>> {
    const matching = [...this.#webhooks.values()].filter((w) =>
      'teamId' in filter
        ? w.scope === 'team' && w.teamId === filter.teamId
        : 'ownerUserId' in filter
          ? w.scope === 'user' && w.ownerUserId === filter.ownerUserId
          : w.scope === 'installation',
    );
    const result = paginate(matching, page);
    return { ...result, items: result.items.map(copy) };
  }

  async listListening(): Promise<WebhookRecord[]> {
    return [...this.#webhooks.values()].filter((w) => w.status !== 'disabled').map(copy);
  }

  async update(id: string, patch: WebhookPatch, now: number): Promise<WebhookRecord | undefined> {
    const webhook = this.#webhooks.get(id);
    if (!webhook) return undefined;
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) (webhook as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    }
    if (patch.status === 'active') {
      webhook.consecutiveFailures = 0;
      webhook.failingSince = null;
    }
    webhook.updatedAt = now;
    return copy(webhook);
  }

  async rotateSecret(id: string, previousUntil: number, now: number): Promise<WebhookRecord | undefined> {
    const webhook = this.#webhooks.get(id);
    if (!webhook) return undefined;
    webhook.secretVersion += 1;
    webhook.previousSecretUntil = previousUntil;
    webhook.updatedAt = now;
    return copy(webhook);
  }

  async delete(id: string): Promise<boolean> {
    return this.#webhooks.delete(id);
  }

  async recordAttempt(id: string, ok: boolean, now: number): Promise<WebhookRecord | undefined> {
    const webhook = this.#webhooks.get(id);
    if (!webhook) return undefined;
    if (ok) {
      webhook.consecutiveFailures = 0;
      webhook.failingSince = null;
    } else {
      webhook.consecutiveFailures += 1;
      webhook.failingSince ??= now;
    }
    return copy(webhook);
  }

  async pause(id: string, now: number): Promise<boolean> {
    const webhook = this.#webhooks.get(id);
    if (!webhook || webhook.status !== 'active') return false;
    webhook.status = 'paused';
    webhook.updatedAt = now;
    return true;
  }

  async claimNotice(webhookId: string, kind: string, subject: string): Promise<boolean> {
    const key = `${webhookId}\n${kind}\n${subject}`;
    if (this.#notices.has(key)) return false;
    this.#notices.add(key);
    return true;
  }
}

function copy(webhook: WebhookRecord): WebhookRecord {
  return { ...webhook, events: [...webhook.events] };
}
