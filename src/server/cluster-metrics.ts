import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** A worker asks its primary for the whole cluster's metrics; the primary answers with the text or why not. */
interface MetricsRequest {
  tessera: 'metrics?';
  id: number;
}
interface MetricsAnswer {
  tessera: 'metrics';
  id: number;
  text?: string;
  error?: string;
}

const GATHER_TIMEOUT_MS = 10_000;

/**
 * In the primary of `serve --workers N`: answers a worker's request for the metrics of every
 * worker, merged by prom-client's AggregatorRegistry (counters and histograms summed, each
 * gauge as its `aggregator` says). Whichever worker Prometheus reaches, it gets the whole.
 */
export function answerClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsRequest | { tessera?: undefined }) => {
    if (message.tessera !== 'metrics?') return;
    const answer = (fields: Omit<MetricsAnswer, 'tessera' | 'id'>) => {
      if (worker.isConnected()) worker.send({ tessera: 'metrics', id: message.id, ...fields } satisfies MetricsAnswer);
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: Error) => answer({ error: error.message }),
    );
  });
}

/**
 * In a worker: offers `registry` to the primary's gathering and returns how this worker's
 * `/metrics` asks the primary for the whole cluster's text.
 */
export function clusterMetricsOf(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client starts answering the primary's requests in a worker when one is made.
  new AggregatorRegistry();
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let next = 0;
  process.on('message', (message: MetricsAnswer | { tessera?: undefined }) => {
    if (message.tessera !== 'metrics') return;
    const request = waiting.get(message.id);
    if (!request) return;
    waiting.delete(message.id);
    clearTimeout(request.timer);
    if (message.text !== undefined) request.resolve(message.text);
    else request.reject(new Error(`the cluster's metrics could not be gathered: ${message.error ?? 'no reason given'}`));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the primary did not send the cluster's metrics within ${GATHER_TIMEOUT_MS / 1000} s`));
      }, GATHER_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      process.send!({ tessera: 'metrics?', id } satisfies MetricsRequest);
    });
}
