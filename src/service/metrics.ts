import type { VerifyCode } from '../core/verify.js';
import type { ExchangeCounter } from './token-exchange-service.js';

/** What the cache metrics are read from at scrape time (a TokenCache). */
export interface CacheCounts {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

/** What the change-feed metrics are read from at scrape time (a ChangeFeed). */
export interface FeedState {
  readonly live: boolean;
  readonly lastSeq: number;
}

/** The requests of one method and route pattern, by status code. */
export interface RouteObserver {
  observe(code: number, seconds: number): void;
}

/**
 * Where a process's measurements go: the port the services and the HTTP layer write to.
 * src/adapters/metrics/prometheus-metrics.ts implements it with prom-client; `noMetrics` keeps
 * nothing (tests that do not look at metrics). Labels are route patterns and codes, never
 * anything a caller sent.
 */
export interface Metrics extends ExchangeCounter {
  /** `route` is the route pattern (`/v1/tokens/:id`), never the URL: URLs can hold secrets. */
  observeRequest(method: string, route: string, code: number, seconds: number): void;
  /** `observeRequest` for one method and route pattern, looked up once: for the verify fast path. */
  requestsOf(method: string, route: string): RouteObserver;
  countVerify(code: VerifyCode): void;
  observeStoreQuery(ms: number, failed: boolean): void;
  observeNotificationLag(ms: number): void;
  /** Reports the cache's and the change feed's state, read when scraped. Once per Metrics. */
  watch(sources: { cache: CacheCounts; changes: FeedState }): void;
  /** The Content-Type of `text()`. */
  readonly contentType: string;
  /** The exposition /metrics answers. */
  text(): Promise<string>;
}

const ignored: RouteObserver = { observe: () => {} };

/** Metrics that keep nothing. */
export const noMetrics: Metrics = {
  observeRequest: () => {},
  requestsOf: () => ignored,
  countVerify: () => {},
  countTokenExchange: () => {},
  observeStoreQuery: () => {},
  observeNotificationLag: () => {},
  watch: () => {},
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  text: async () => '',
};
