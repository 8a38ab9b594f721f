import type { Metric, Registry } from 'prom-client';

type Labels = { method: string; route: string; code: string };

/** One method, route and status code's requests: a histogram's worth of counts. */
interface Tally {
  labels: Labels;
  count: number;
  sum: number;
  /** Requests per bucket (not cumulative): `bounds[i]` for index i, the last for anything slower. */
  buckets: number[];
}

/** What a request's answerer keeps to count its requests: one method and route pattern, by status code. */
export class RouteRequests {
  readonly #byCode = new Map<number, Tally>();

  constructor(
    private readonly labels: Omit<Labels, 'code'>,
    private readonly bounds: readonly number[],
    private readonly added: (tally: Tally) => void,
  ) {}

  observe(code: number, seconds: number): void {
    let tally = this.#byCode.get(code);
    if (tally === undefined) {
      tally = { labels: { ...this.labels, code: String(code) }, count: 0, sum: 0, buckets: new Array<number>(this.bounds.length + 1).fill(0) };
      this.#byCode.set(code, tally);
      this.added(tally);
    }
    tally.count++;
    tally.sum += seconds;
    let at = 0;
    while (at < this.bounds.length && seconds > this.bounds[at]!) at++;
    tally.buckets[at]!++;
  }
}

export interface RequestMetricNames {
  counter: { name: string; help: string };
  histogram: { name: string; help: string };
}

/**
 * HTTP requests by method, route pattern and status code: a counter of them and a histogram of
 * their durations, as prom-client would keep them, counted here instead. prom-client's labelled
 * metrics turn their labels into a key on every call, which cost more than a cached
 * verification; a route's `RouteRequests` is found once and counts with array arithmetic. Both
 * metrics are shown to the registry the way prom-client's own cluster aggregator shows merged
 * ones: objects whose `get()` answers the metric's values when scraped.
 */
export class RequestMetrics {
  readonly #routes = new Map<string, RouteRequests>();
  /** Every tally, in the order they were first counted. */
  readonly #tallies: Tally[] = [];

  constructor(private readonly bounds: readonly number[]) {}

  /** The counts of one method and route pattern (never a URL: it can hold a secret). */
  route(method: string, route: string): RouteRequests {
    const key = `${method} ${route}`;
    let counts = this.#routes.get(key);
    if (counts === undefined) {
      counts = new RouteRequests({ method, route }, this.bounds, (tally) => this.#tallies.push(tally));
      this.#routes.set(key, counts);
    }
    return counts;
  }

  register(registry: Registry, names: RequestMetricNames): void {
    const tallies = this.#tallies;
    const bounds = this.bounds;
    const bucket = `${names.histogram.name}_bucket`;
    const sum = `${names.histogram.name}_sum`;
    const count = `${names.histogram.name}_count`;
    const scraped = (shown: { name: string; help: string }, type: string, values: () => unknown[]) => ({
      ...shown,
      type,
      aggregator: 'sum',
      get: async () => ({ ...shown, type, aggregator: 'sum', values: values() }),
      reset: () => {
        for (const t of tallies) {
          t.count = 0;
          t.sum = 0;
          t.buckets.fill(0);
        }
      },
    });
    const counter = scraped(names.counter, 'counter', () => tallies.map((t) => ({ labels: t.labels, value: t.count })));
    const histogram = scraped(names.histogram, 'histogram', () =>
      tallies.flatMap((t) => {
        let below = 0;
        const buckets = t.buckets.map((n, i) => ({ labels: { le: i < bounds.length ? bounds[i]! : '+Inf', ...t.labels }, value: (below += n), metricName: bucket }));
        return [...buckets, { labels: t.labels, value: t.sum, metricName: sum }, { labels: t.labels, value: t.count, metricName: count }];
      }),
    );
    // Not prom-client classes, but all its registry asks of a metric: name, help, type, get() and reset().
    registry.registerMetric(counter as unknown as Metric);
    registry.registerMetric(histogram as unknown as Metric);
  }
}
