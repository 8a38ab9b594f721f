import type { Metric, Registry } from 'prom-client';

type Labels = Record<string, string>;

/** One label set's observations: a histogram's worth of counts. */
export class Tally {
  count = 0;
  sum = 0;
  /** Observations per bucket (not cumulative): `bounds[i]` for index i, the last for anything above every bound. */
  readonly buckets: number[];

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.buckets = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    let at = 0;
    while (at < this.bounds.length && value > this.bounds[at]!) at++;
    this.buckets[at]!++;
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.buckets.fill(0);
  }
}

export interface TallyHistogramOptions {
  name: string;
  help: string;
  buckets: readonly number[];
  registry: Registry;
  /** Also show each label set's count as a counter of this name (`…_requests_total` beside `…_duration_seconds`). */
  counter?: { name: string; help: string };
}

/**
 * A Prometheus histogram (and, if asked, a counter of the same observations) counted here
 * rather than by prom-client. prom-client turns the labels into a key on every observation,
 * which on the verify path cost more than the verification; here a caller asks for a label
 * set's `Tally` once, keeps it, and each observation is array arithmetic. The registry is
 * shown the metrics the way prom-client's own cluster aggregator shows merged ones: objects
 * whose `get()` answers the values when scraped. The exposition is prom-client's, byte for
 * byte (see the test).
 */
export class TallyHistogram {
  readonly #tallies = new Map<string, Tally>();

  constructor(private readonly options: TallyHistogramOptions) {
    const { name, help, buckets, registry, counter } = options;
    const tallies = () => [...this.#tallies.values()];
    const reset = () => {
      for (const tally of this.#tallies.values()) tally.reset();
    };
    const shown = (metric: { name: string; help: string; type: string }, values: () => unknown[]) =>
      // Not a prom-client class, but all its registry asks of a metric: name, help, type, get() and reset().
      registry.registerMetric({
        ...metric,
        aggregator: 'sum',
        get: async () => ({ ...metric, aggregator: 'sum', values: values() }),
        reset,
      } as unknown as Metric);
    if (counter) shown({ ...counter, type: 'counter' }, () => tallies().map((t) => ({ labels: t.labels, value: t.count })));
    shown({ name, help, type: 'histogram' }, () =>
      tallies().flatMap((t) => {
        let below = 0;
        const counts = t.buckets.map((n, i) => ({
          labels: { le: i < buckets.length ? buckets[i]! : '+Inf', ...t.labels },
          value: (below += n),
          metricName: `${name}_bucket`,
        }));
        return [...counts, { labels: t.labels, value: t.sum, metricName: `${name}_sum` }, { labels: t.labels, value: t.count, metricName: `${name}_count` }];
      }),
    );
  }

  /** The tally of one label set, made on first use: keep it, and observe on it. */
  tally(labels: Labels): Tally {
    const key = JSON.stringify(labels);
    let tally = this.#tallies.get(key);
    if (tally === undefined) this.#tallies.set(key, (tally = new Tally(labels, this.options.buckets)));
    return tally;
  }
}
