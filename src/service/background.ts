import type { AnalyticsRecorder } from './analytics-recorder.js';
import type { ChangeFeed } from './change-feed.js';
import type { PolicySweep } from './policy-sweep.js';
import type { RateLimiter } from './rate-limiter.js';
import type { TokenCache } from './token-cache.js';
import type { UsageRecorder } from './usage-recorder.js';

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

  constructor(parts: {
    changes: ChangeFeed;
    usage: UsageRecorder;
    rateLimiter: RateLimiter;
    cache: TokenCache;
    analytics?: AnalyticsRecorder | undefined;
    sweep?: PolicySweep;
    sweepMs?: number;
  }) {
    this.analytics = parts.analytics;
    this.sweep = parts.sweep;
    this.#sweepMs = parts.sweepMs ?? 0;
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
   * failed write goes to `onUsageError`) and sweeps for inactive tokens (a failed sweep goes to `onSweepError`).
   */
  async start(usageFlushMs: number, onUsageError: (error: unknown) => void, onSweepError: (error: unknown) => void = onUsageError): Promise<void> {
    await this.changes.start();
    this.usage.start(usageFlushMs, onUsageError);
    this.analytics?.start(usageFlushMs, onUsageError);
    this.sweep?.start(this.#sweepMs, onSweepError);
  }

  /** Once the last request is answered: stops listening, writes the usage still behind, closes the rate limiter. */
  async stop(): Promise<void> {
    await this.sweep?.stop();
    await this.changes.close();
    // Only now: the requests answered while closing have recorded their uses.
    await this.usage.stop();
    await this.analytics?.stop();
    await this.rateLimiter.close();
  }
}
