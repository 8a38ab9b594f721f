import type { AnalyticsRecorder } from './analytics-recorder.js';
import type { ChangeFeed } from './change-feed.js';
import type { PolicySweep } from './policy-sweep.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenCache } from './token-cache.js';
import type { UsageRecorder } from './usage-recorder.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import type { WebhookSweeper } from './webhook-sweeper.js';
import type { CreditWatch } from './credit-watch.js';
import type { ForeignKeys } from './foreign-keys.js';

/** Webhook delivery: the dispatcher (none without a transport) and the sweeps (token.expiring, pruning). */
export interface WebhookBackground {
  dispatcher: WebhookDispatcher | undefined;
  sweeper: WebhookSweeper;
  creditWatch: CreditWatch;
  sweepMs: number;
}

/**
 * What runs behind the requests rather than in them: the change feed that keeps the token cache
 * true across nodes, the recorder that writes use counts and last-used times behind, and the
 * rate limiter's connection. The composition root starts it and stops it; no route calls it.
 * Its parts are readable for tests (the cache's size, a flush, a catch-up).
 */
export class Background {
  readonly changes: ChangeFeed;
  readonly usage: UsageRecorder;
  readonly rateLimiter: RateLimiter;
  readonly cache: TokenCache;
  /** Verification counts per token and minute, written behind with the use counts; none when analytics is off. */
  readonly analytics: AnalyticsRecorder | undefined;
  /** The lifecycle policies' inactivity sweep, run every `sweepMs` on every node (it acts once across them). */
  readonly sweep: PolicySweep | undefined;
  readonly #sweepMs: number;
  readonly webhooks: WebhookBackground | undefined;
  /** Whether imported keys exist: read at start, then again until they do. */
  readonly foreignKeys: ForeignKeys | undefined;
  #webhookSweep: NodeJS.Timeout | undefined;
  #onError: (error: unknown) => void = () => {};

  constructor(parts: {
    changes: ChangeFeed;
    usage: UsageRecorder;
    rateLimiter: RateLimiter;
    cache: TokenCache;
    analytics?: AnalyticsRecorder | undefined;
    sweep?: PolicySweep;
    sweepMs?: number;
    webhooks?: WebhookBackground;
    foreignKeys?: ForeignKeys;
  }) {
    this.foreignKeys = parts.foreignKeys;
    this.analytics = parts.analytics;
    this.sweep = parts.sweep;
    this.#sweepMs = parts.sweepMs ?? 0;
    this.webhooks = parts.webhooks;
    this.changes = parts.changes;
    this.usage = parts.usage;
    this.rateLimiter = parts.rateLimiter;
    this.cache = parts.cache;
  }

  /** How this node hears of changes at once: its change signal's name, or `poll`. */
  get changeSignalName(): string {
    return this.changes.signalName;
  }

  /**
   * Listens for changes, then writes usage and verification counts behind every `usageFlushMs` (a
   * failed write goes to `onUsageError`) and sweeps for inactive tokens (a failed sweep goes to
   * `onSweepError`); reads whether imported keys exist (a failed read goes to `onForeignKeysError`).
   */
  async start(
    usageFlushMs: number,
    onUsageError: (error: unknown) => void,
    onSweepError: (error: unknown) => void = onUsageError,
    onForeignKeysError: (error: unknown) => void = onSweepError,
  ): Promise<void> {
    await this.foreignKeys?.start(onForeignKeysError);
    await this.changes.start();
    this.usage.start(usageFlushMs, onUsageError);
    this.analytics?.start(usageFlushMs, onUsageError);
    this.sweep?.start(this.#sweepMs, onSweepError);
  }

  /** Delivers webhooks and runs their sweeps until stopped; a failed round goes to `onError` and the next one tries again. */
  startWebhooks(onError: (error: unknown) => void): void {
    if (!this.webhooks) return;
    this.#onError = onError;
    this.webhooks.creditWatch.onError = onError;
    if (this.webhooks.dispatcher) {
      this.webhooks.dispatcher.onError = onError;
      this.webhooks.dispatcher.start();
    }
    const sweeper = this.webhooks.sweeper;
    this.#webhookSweep ??= setInterval(() => void sweeper.sweep().catch(this.#onError), this.webhooks.sweepMs);
    this.#webhookSweep.unref();
  }

  /** Once the last request is answered: stops listening, writes the usage still behind, closes the rate limiter. */
  async stop(): Promise<void> {
    clearInterval(this.#webhookSweep);
    this.foreignKeys?.stop();
    await this.webhooks?.dispatcher?.stop();
    await this.sweep?.stop();
    await this.changes.close();
    // Only now: the requests answered while closing have recorded their uses.
    await this.usage.stop();
    await this.analytics?.stop();
    await this.rateLimiter.close();
  }
}
