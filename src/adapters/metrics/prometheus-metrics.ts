import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VERIFY_CODES, type VerifyCode } from '../../core/verify.js';
import type { CacheCounts, FeedState, Metrics, RouteObserver } from '../../service/metrics.js';
import { TallyHistogram, type Tally } from './tally-histogram.js';

export interface MetricsOptions {
  /** prom-client's process and Node.js metrics (CPU, memory, event loop, GC); for a server, not for tests that build many apps. */
  processMetrics?: boolean;
  /**
   * Where `text()` gets the exposition, given this process's registry: by default the registry
   * itself; a cluster worker's asks its primary for every worker's, merged (server/cluster-metrics.ts).
   */
  gather?: (registry: Registry) => () => Promise<string>;
}

// Verify and most store queries take well under a millisecond; the default buckets start at 5 ms.
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The Prometheus metrics of one tessera process, in a registry of its own (never prom-client's
 * global one, so that many apps can live in one process). Label values are route patterns and
 * codes, never anything a caller sent.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #requestSeconds = new TallyHistogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code.',
    buckets: REQUEST_BUCKETS,
    registry: this.registry,
    counter: { name: 'tessera_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status code.' },
  });
  readonly #routes = new Map<string, RouteRequests>();
  /** Counted here and copied to their counter when scraped: a labelled prom-client counter hashes its labels on every call. */
  readonly #verifyCounts = new Map<VerifyCode, number>(VERIFY_CODES.map((code) => [code, 0]));
  readonly #queries = new TallyHistogram({
    name: 'tessera_store_query_duration_seconds',
    help: 'Time each SQL query took, failed ones included.',
    buckets: QUERY_BUCKETS,
    registry: this.registry,
  }).tally({});
  readonly #queryErrors = new Counter({
    name: 'tessera_store_query_errors_total',
    help: 'SQL queries that failed.',
    registers: [this.registry],
  });
  readonly #exchanges = new Counter({
    name: 'tessera_token_exchanges_total',
    help: 'Token exchanges (POST /oauth/token) by outcome: issued, or the OAuth error that refused them.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly #text: () => Promise<string>;
  readonly #notificationLag = new Histogram({
    name: 'tessera_change_notification_lag_seconds',
    help: 'How long after it was logged a token change (revocation, rotation, credit change) reached this node.',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  constructor(options: MetricsOptions = {}) {
    const verifyCounts = this.#verifyCounts;
    new Counter({
      name: 'tessera_verify_outcomes_total',
      help: 'Verifications answered by /v1/verify and /v1/verify/batch, by outcome code.',
      labelNames: ['code'] as const,
      registers: [this.registry],
      // Every outcome from the start, so that rates over it begin at the first scrape.
      collect() {
        this.reset();
        for (const [code, count] of verifyCounts) this.inc({ code }, count);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.#text = options.gather?.(this.registry) ?? (() => this.registry.metrics());
  }

  /** The Content-Type of `text()`: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition /metrics answers: this process's, or under `--workers` the whole cluster's. */
  text(): Promise<string> {
    return this.#text();
  }

  /** `route` is the route pattern (`/v1/tokens/:id`), never the URL: URLs can hold secrets. */
  observeRequest(method: string, route: string, code: number, seconds: number): void {
    this.requestsOf(method, route).observe(code, seconds);
  }

  /** `observeRequest` for one method and route pattern, looked up once: for the verify fast path. */
  requestsOf(method: string, route: string): RouteRequests {
    const key = `${method} ${route}`;
    let requests = this.#routes.get(key);
    if (requests === undefined) this.#routes.set(key, (requests = new RouteRequests(this.#requestSeconds, method, route)));
    return requests;
  }

  countVerify(code: VerifyCode): void {
    this.#verifyCounts.set(code, this.#verifyCounts.get(code)! + 1);
  }

  countTokenExchange(outcome: string): void {
    this.#exchanges.inc({ outcome });
  }

  /** Called for every SQL query: keep it to the two updates. */
  observeStoreQuery(ms: number, failed: boolean): void {
    this.#queries.observe(ms / 1000);
    if (failed) this.#queryErrors.inc();
  }

  observeNotificationLag(ms: number): void {
    this.#notificationLag.observe(ms / 1000);
  }

  /** Reports the cache's and the change feed's state, read when scraped. Once per Metrics. */
  watch({ cache, changes }: { cache: CacheCounts; changes: FeedState }): void {
    const registers = [this.registry];
    // Counters the cache keeps itself: each scrape copies their current totals.
    new Counter({
      name: 'tessera_token_cache_hits_total',
      help: 'Token lookups answered from the cache.',
      registers,
      collect() {
        this.reset();
        this.inc(cache.hits);
      },
    });
    new Counter({
      name: 'tessera_token_cache_misses_total',
      help: 'Token lookups the cache could not answer (absent, expired, or the cache suspended).',
      registers,
      collect() {
        this.reset();
        this.inc(cache.misses);
      },
    });
    new Gauge({
      name: 'tessera_token_cache_entries',
      help: 'Tokens (known and unknown) in the cache.',
      registers,
      collect() {
        this.set(cache.size);
      },
    });
    new Gauge({
      name: 'tessera_token_cache_hit_ratio',
      help: 'Hits / (hits + misses) since the process started; 0 before the first lookup.',
      registers,
      // Under --workers: the mean of the workers' ratios.
      aggregator: 'average',
      collect() {
        const lookups = cache.hits + cache.misses;
        this.set(lookups === 0 ? 0 : cache.hits / lookups);
      },
    });
    new Gauge({
      name: 'tessera_change_feed_live',
      help: '1 while this node hears of every token change and serves its cache; 0 while notifications are lost.',
      registers,
      // Under --workers: 0 as soon as one worker has lost them.
      aggregator: 'min',
      collect() {
        this.set(changes.live ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tessera_change_feed_last_seq',
      help: 'The number of the last token change this node applied.',
      registers,
      // Under --workers: the worker furthest behind.
      aggregator: 'min',
      collect() {
        this.set(changes.lastSeq);
      },
    });
  }
}

/** The requests of one method and route pattern, by status code. */
export class RouteRequests implements RouteObserver {
  readonly #byCode = new Map<number, Tally>();

  constructor(
    private readonly histogram: TallyHistogram,
    private readonly method: string,
    private readonly route: string,
  ) {}

  observe(code: number, seconds: number): void {
    let tally = this.#byCode.get(code);
    if (tally === undefined) this.#byCode.set(code, (tally = this.histogram.tally({ method: this.method, route: this.route, code: String(code) })));
    tally.observe(seconds);
  }
}
