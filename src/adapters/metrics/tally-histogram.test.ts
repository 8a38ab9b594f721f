import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { TallyHistogram } from './tally-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1];
const HISTOGRAM = { name: 'test_request_seconds', help: 'Request time.' };
const COUNTER = { name: 'test_requests_total', help: 'Requests.' };

type Observation = [Record<string, string>, number];

/** The same observations kept by prom-client's own classes: what the exposition must equal. */
function promClientText(observations: Observation[], labelNames: string[], withCounter: boolean): Promise<string> {
  const registry = new Registry();
  const counter = withCounter ? new Counter({ ...COUNTER, labelNames, registers: [registry] }) : undefined;
  const histogram = new Histogram({ ...HISTOGRAM, labelNames, buckets: BUCKETS, registers: [registry] });
  for (const [labels, value] of observations) {
    counter?.inc(labels);
    histogram.observe(labels, value);
  }
  return registry.metrics();
}

function tallied(withCounter: boolean) {
  const registry = new Registry();
  const histogram = new TallyHistogram({ ...HISTOGRAM, buckets: BUCKETS, registry, ...(withCounter ? { counter: COUNTER } : {}) });
  return { registry, histogram };
}

describe('TallyHistogram', () => {
  it('shows what prom-client Counter and Histogram show for the same observations, bucket bounds included', async () => {
    // On a bound counts as within it (le); above every bound only in +Inf.
    const verify200 = { method: 'POST', route: '/v1/verify', code: '200' };
    const observations: Observation[] = [
      [verify200, 0.0004],
      [verify200, 0.001],
      [{ method: 'POST', route: '/v1/verify', code: '429' }, 0.05],
      [{ method: 'GET', route: '/v1/tokens/:id', code: '404' }, 0.25],
      [verify200, 0.0100001],
    ];
    const { registry, histogram } = tallied(true);
    const kept = histogram.tally(verify200);
    for (const [labels, value] of observations) (labels === verify200 ? kept : histogram.tally(labels)).observe(value);
    assert.equal(await registry.metrics(), await promClientText(observations, ['method', 'route', 'code'], true));
  });

  it('without labels shows zeros before the first observation, as prom-client does', async () => {
    const { registry, histogram } = tallied(false);
    const all = histogram.tally({});
    assert.equal(await registry.metrics(), await promClientText([], [], false));
    all.observe(0.002);
    all.observe(0.004);
    assert.equal(
      await registry.metrics(),
      await promClientText(
        [
          [{}, 0.002],
          [{}, 0.004],
        ],
        [],
        false,
      ),
    );
  });

  it('hands out one tally per label set, so that a caller may keep it', async () => {
    const { registry, histogram } = tallied(true);
    histogram.tally({ route: '/healthz' }).observe(0.002);
    histogram.tally({ route: '/healthz' }).observe(0.003);
    assert.equal(histogram.tally({ route: '/healthz' }), histogram.tally({ route: '/healthz' }));
    assert.notEqual(histogram.tally({ route: '/healthz' }), histogram.tally({ route: '/readyz' }));
    assert.match(await registry.metrics(), /^test_requests_total\{route="\/healthz"\} 2$/m);
  });

  it('zeroes in place when the registry resets: a kept tally still counts where the scrape looks', async () => {
    const { registry, histogram } = tallied(true);
    const kept = histogram.tally({ route: '/healthz' });
    kept.observe(0.002);
    registry.resetMetrics();
    assert.match(await registry.metrics(), /^test_request_seconds_count\{route="\/healthz"\} 0$/m);
    kept.observe(0.5);
    const text = await registry.metrics();
    assert.match(text, /^test_requests_total\{route="\/healthz"\} 1$/m);
    assert.match(text, /^test_request_seconds_bucket\{le="0.1",route="\/healthz"\} 0$/m);
    assert.match(text, /^test_request_seconds_bucket\{le="\+Inf",route="\/healthz"\} 1$/m);
  });
});
