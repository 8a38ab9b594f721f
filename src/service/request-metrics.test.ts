import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

const BOUNDS = [0.001, 0.01, 0.1];
const NAMES = {
  counter: { name: 'test_requests_total', help: 'Requests.' },
  histogram: { name: 'test_request_seconds', help: 'Request time.' },
};

/** The same observations kept by prom-client's own classes: what the exposition must equal. */
function promClientText(observations: Array<[string, string, number, number]>): Promise<string> {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'code'] as const;
  const counter = new Counter({ ...NAMES.counter, labelNames, registers: [registry] });
  const histogram = new Histogram({ ...NAMES.histogram, labelNames, buckets: BOUNDS, registers: [registry] });
  for (const [method, route, code, seconds] of observations) {
    counter.inc({ method, route, code: String(code) });
    histogram.observe({ method, route, code: String(code) }, seconds);
  }
  return registry.metrics();
}

describe('RequestMetrics', () => {
  it('shows what prom-client Counter and Histogram show for the same requests, bucket bounds included', async () => {
    // On a bound counts as within it (le); slower than every bound only in +Inf.
    const observations: Array<[string, string, number, number]> = [
      ['POST', '/v1/verify', 200, 0.0004],
      ['POST', '/v1/verify', 200, 0.001],
      ['POST', '/v1/verify', 429, 0.05],
      ['GET', '/v1/tokens/:id', 404, 0.25],
      ['POST', '/v1/verify', 200, 0.0100001],
    ];
    const metrics = new RequestMetrics(BOUNDS);
    const registry = new Registry();
    metrics.register(registry, NAMES);
    const verify = metrics.route('POST', '/v1/verify');
    for (const [method, route, code, seconds] of observations) {
      (method === 'POST' && route === '/v1/verify' ? verify : metrics.route(method, route)).observe(code, seconds);
    }
    assert.equal(await registry.metrics(), await promClientText(observations));
  });

  it('hands out one tally per method and route, so that a caller may keep it', async () => {
    const metrics = new RequestMetrics(BOUNDS);
    const registry = new Registry();
    metrics.register(registry, NAMES);
    metrics.route('GET', '/healthz').observe(200, 0.002);
    metrics.route('GET', '/healthz').observe(200, 0.003);
    assert.equal(metrics.route('GET', '/healthz'), metrics.route('GET', '/healthz'));
    assert.notEqual(metrics.route('GET', '/healthz'), metrics.route('POST', '/healthz'));
    assert.match(await registry.metrics(), /^test_requests_total\{method="GET",route="\/healthz",code="200"\} 2$/m);
  });

  it('shows nothing before the first request, and zeroes in place when the registry resets', async () => {
    const metrics = new RequestMetrics(BOUNDS);
    const registry = new Registry();
    metrics.register(registry, NAMES);
    assert.doesNotMatch(await registry.metrics(), /^test_request/m);
    const kept = metrics.route('GET', '/healthz');
    kept.observe(200, 0.002);
    registry.resetMetrics();
    assert.match(await registry.metrics(), /^test_request_seconds_count\{method="GET",route="\/healthz",code="200"\} 0$/m);
    // A tally kept before the reset still counts where the scrape looks.
    kept.observe(200, 0.5);
    const text = await registry.metrics();
    assert.match(text, /^test_requests_total\{method="GET",route="\/healthz",code="200"\} 1$/m);
    assert.match(text, /^test_request_seconds_bucket\{le="0.1",method="GET",route="\/healthz",code="200"\} 0$/m);
    assert.match(text, /^test_request_seconds_bucket\{le="\+Inf",method="GET",route="\/healthz",code="200"\} 1$/m);
  });
});
