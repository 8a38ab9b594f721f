import { Webhook } from 'standardwebhooks';
import {
  nextAttemptAt,
  shouldPause,
  webhookPayload,
  webhookSecretKeyOf,
  webhookSecretOf,
  type AttemptResult,
  type PausePolicy,
  type RetryPolicy,
  type WebhookRecord,
} from '../core/webhook.js';
import type { ClaimedDelivery, EventOutboxStore } from '../store/event-outbox-store.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { Runtime } from './runtime.js';
import type { WebhookOutbox } from './webhook-outbox.js';
import type { WebhookTransport } from './webhook-transport.js';

export interface DispatcherOptions {
  /** How often the outbox is read for due deliveries (this node's own events start at once). */
  pollMs: number;
  /** How long a claimed attempt is this node's: past it, another node may try again. Longer than timeoutMs. */
  leaseMs: number;
  /** How long a receiver has to answer. */
  timeoutMs: number;
  /** Attempts under way at once on this node. */
  concurrency: number;
  retry: RetryPolicy;
  pause: PausePolicy;
}

/**
 * Delivers the outbox: claims due deliveries with a lease (one attempt at a time across every
 * node), signs each in the Standard Webhooks format with the `standardwebhooks` library, POSTs it,
 * and records the outcome: done, retried later with backoff, or given up after the retry window. A
 * webhook whose attempts keep failing is paused, once across nodes, with a `webhook.paused` event.
 */
export class WebhookDispatcher {
  readonly #owner: string;
  readonly #secretKey: Buffer;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  /** Where a failed round or attempt is reported (the server's log); the next poll tries again. */
  onError: (error: unknown) => void = () => {};

  constructor(
    private readonly deps: {
      webhooks: WebhookStore;
      outbox: EventOutboxStore;
      publisher: WebhookOutbox;
      transport: WebhookTransport;
      runtime: Runtime;
      serverKey: Uint8Array;
    },
    private readonly options: DispatcherOptions,
  ) {
    if (!(options.leaseMs > options.timeoutMs)) throw new Error('a delivery lease must outlast the receiver timeout');
    // Names this dispatcher in the leases it takes: a lease is completed only by its holder.
    this.#owner = `node_${Buffer.from(deps.runtime.randomBytes(12)).toString('hex')}`;
    this.#secretKey = webhookSecretKeyOf(deps.serverKey);
  }

  /** Polls every pollMs until stopped. */
  start(): void {
    this.#stopped = false;
    this.#timer ??= setInterval(() => this.kick(), this.options.pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** Delivers what is due now; a kick while a round runs makes it run once more. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.drain()
      .catch((error) => this.onError(error))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Leases up to `concurrency` due deliveries to this node: of the nodes that read one as due, one takes it. */
  async #claim(): Promise<ClaimedDelivery[]> {
    const { outbox, runtime } = this.deps;
    const now = runtime.now();
    const claimed: ClaimedDelivery[] = [];
    for (const candidate of await outbox.due(now, this.options.concurrency)) {
      const taken = await outbox.take(candidate, this.#owner, now, this.options.leaseMs);
      if (taken) claimed.push(taken);
    }
    return claimed;
  }

  /** Claims and attempts due deliveries until none is left; resolves when they have ended. */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.#claim();
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((c) => this.#attempt(c).catch((error) => this.onError(error))));
      if (this.#stopped) return;
    }
  }

  /** Resolves once no round is under way on this node (tests wait for what a publish set off). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops polling; attempts under way finish (their leases cover them if the process ends first). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** The secret a webhook's deliveries are signed with now, and the previous one while a rotation's overlap lasts. */
  secretsOf(webhook: WebhookRecord, now: number): string[] {
    const current = webhookSecretOf(this.#secretKey, webhook.id, webhook.secretVersion);
    const overlapping = webhook.previousSecretUntil !== null && now < webhook.previousSecretUntil && webhook.secretVersion > 1;
    return overlapping ? [current, webhookSecretOf(this.#secretKey, webhook.id, webhook.secretVersion - 1)] : [current];
  }

  async #attempt({ delivery, event }: ClaimedDelivery): Promise<void> {
    const { runtime, webhooks, outbox } = this.deps;
    const webhook = await webhooks.find(delivery.webhookId);
    let result: AttemptResult;
    if (!webhook) {
      result = { ok: false, statusCode: null, error: 'the webhook was deleted' };
    } else {
      const body = webhookPayload(event);
      const now = runtime.now();
      const signatures = this.secretsOf(webhook, now).map((secret) => new Webhook(secret).sign(event.id, new Date(now), body));
      result = await this.deps.transport.send(
        {
          url: webhook.url,
          headers: { 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': signatures.join(' ') },
          body,
        },
        this.options.timeoutMs,
      );
    }
    const now = runtime.now();
    const retryAt =
      result.ok || !webhook ? null : nextAttemptAt(this.options.retry, delivery.attempts, delivery.firstAttemptAt ?? now, now, randomFraction(runtime));
    const recorded = await outbox.complete(delivery.id, this.#owner, { ...result, at: now, retryAt });
    if (!recorded || !webhook) return;
    const after = await webhooks.recordAttempt(webhook.id, result.ok, now);
    if (after && !result.ok && shouldPause(this.options.pause, after, now) && (await webhooks.pause(webhook.id, now))) {
      await this.deps.publisher.publish([
        {
          type: 'webhook.paused',
          subject: webhook.id,
          teamId: webhook.teamId,
          ownerUserId: webhook.ownerUserId,
          data: {
            webhook: { id: webhook.id, url: webhook.url, description: webhook.description },
            consecutiveFailures: after.consecutiveFailures,
            failingSince: after.failingSince,
          },
        },
      ]);
    }
  }
}

function randomFraction(runtime: Runtime): number {
  return Buffer.from(runtime.randomBytes(4)).readUInt32BE(0) / 2 ** 32;
}
