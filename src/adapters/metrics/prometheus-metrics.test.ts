import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrometheusMetrics as Metrics } from './prometheus-metrics.js';

const value = async (metrics: Metrics, name: string): Promise<number | undefined> => (await metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value;

describe('Metrics', () => {
  it('reads the cache and the change feed when scraped', async () => {
    const metrics = new Metrics();
    const cache = { hits: 0, misses: 0, size: 0 };
    const changes = { live: true, lastSeq: 0 };
    metrics.watch({ cache, changes });
    assert.equal(await value(metrics, 'tessera_token_cache_hit_ratio'), 0);

    Object.assign(cache, { hits: 3, misses: 1, size: 2 });
    Object.assign(changes, { live: false, lastSeq: 7 });
    assert.equal(await value(metrics, 'tessera_token_cache_hits_total'), 3);
    assert.equal(await value(metrics, 'tessera_token_cache_misses_total'), 1);
    assert.equal(await value(metrics, 'tessera_token_cache_hit_ratio'), 3 / 4);
    assert.equal(await value(metrics, 'tessera_token_cache_entries'), 2);
    assert.equal(await value(metrics, 'tessera_change_feed_live'), 0);
    assert.equal(await value(metrics, 'tessera_change_feed_last_seq'), 7);
  });

  it('shows every verify outcome from the start, then counts them', async () => {
    const metrics = new Metrics();
    metrics.countVerify('EXPIRED');
    const text = await metrics.text();
    assert.match(text, /^tessera_verify_outcomes_total\{code="USAGE_EXCEEDED"\} 0$/m);
    assert.match(text, /^tessera_verify_outcomes_total\{code="EXPIRED"\} 1$/m);
  });

  it('times store queries in seconds and counts the failed ones', async () => {
    const metrics = new Metrics();
    metrics.observeStoreQuery(2, false);
    metrics.observeStoreQuery(4, true);
    const text = await metrics.text();
    assert.match(text, /^tessera_store_query_duration_seconds_count 2$/m);
    assert.match(text, /^tessera_store_query_duration_seconds_sum 0\.006$/m);
    assert.match(text, /^tessera_store_query_errors_total 1$/m);
  });

  it('keeps a registry of its own, so that many can live in one process', async () => {
    const first = new Metrics();
    const second = new Metrics();
    first.observeRequest('GET', '/healthz', 200, 0.001);
    assert.match(await first.text(), /^tessera_http_requests_total\{method="GET",route="\/healthz",code="200"\} 1$/m);
    assert.doesNotMatch(await second.text(), /^tessera_http_requests_total\{/m);
  });

  it('adds the process metrics only when asked', async () => {
    assert.doesNotMatch(await new Metrics().text(), /^process_cpu_user_seconds_total /m);
    assert.match(await new Metrics({ processMetrics: true }).text(), /^process_cpu_user_seconds_total /m);
  });
});
