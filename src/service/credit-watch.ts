import { formatCredits } from '../core/credits.js';
import { tokenEvent } from '../core/events.js';
import type { CreditHolder } from '../core/metering.js';
import type { TokenRecord } from '../core/token.js';
import type { WebhookStore } from '../store/webhook-store.js';
import type { EventPublisher } from './event-publisher.js';
import type { Runtime } from './runtime.js';

/**
 * Announces `credits.low` and `credits.exhausted` from the charges that happen anyway (a
 * verification's guarded decrement, a reservation), with no store access of its own on that path:
 * a charge answers the balance it left, and only a charge that crosses a threshold some webhook asked
 * for, or empties the balance, publishes an event (without waiting for it). Exactly one charge
 * crosses each threshold, on whichever node made it, so each crossing is announced once; a refill
 * re-arms it. The thresholds are read from the webhooks at most every `refreshMs`.
 */
export class CreditWatch {
  #thresholds: bigint[] = [];
  #readAt = -Infinity;
  #reading: Promise<void> | undefined;
  /** Where a failed publish or read is reported; the charge itself never fails for it. */
  onError: (error: unknown) => void = () => {};

  constructor(
    private readonly deps: { webhooks: WebhookStore; events: EventPublisher; runtime: Runtime },
    private readonly refreshMs = 5_000,
  ) {}

  /** After a charge of `cost` left `remaining` on `holder`. Synchronous: nothing here waits. */
  charged(token: TokenRecord, holder: CreditHolder, cost: bigint, remaining: bigint): void {
    this.#refresh();
    if (cost <= 0n) return;
    const before = remaining + cost;
    const crossed = this.#thresholds.filter((t) => remaining <= t && t < before);
    const extra = { holder: { kind: holder.kind, id: holder.id }, remaining: formatCredits(remaining), previous: formatCredits(before) };
    const subject = holder.kind === 'pool' ? holder.id : token.id;
    const events = [];
    if (crossed.length > 0) events.push({ ...tokenEvent('credits.low', token, extra), subject });
    if (remaining <= 0n) events.push({ ...tokenEvent('credits.exhausted', token, extra), subject });
    if (events.length > 0) this.deps.events.publish(events).catch((error) => this.onError(error));
  }

  #refresh(): void {
    const now = this.deps.runtime.now();
    if (this.#reading || now - this.#readAt < this.refreshMs) return;
    this.#readAt = now;
    this.#reading = this.deps.webhooks
      .listListening()
      .then((webhooks) => {
        const set = new Set<bigint>();
        for (const w of webhooks) if (w.creditsLowThreshold !== null && w.events.includes('credits.low')) set.add(w.creditsLowThreshold);
        this.#thresholds = [...set];
      })
      .catch((error) => this.onError(error))
      .finally(() => (this.#reading = undefined));
  }

  /** Reads the thresholds now (a webhook just changed on this node), so the next charge sees them. */
  async reload(): Promise<void> {
    this.#readAt = -Infinity;
    this.#refresh();
    await this.#reading;
  }
}
