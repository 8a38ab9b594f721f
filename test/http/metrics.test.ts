import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { PrometheusMetrics as Metrics } from '../../src/adapters/metrics/prometheus-metrics.js';
import { createServices } from '../../src/service/services.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { openDatabase, openStores } from '../../src/store/open-stores.js';
import { ManualClock, withHarness, type Harness } from '../support/app-harness.js';

/** The value of one sample in Prometheus text: the metric name and exactly these labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const wanted = Object.entries(labels);
    if (Object.keys(found).length === wanted.length && wanted.every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

const scrape = async (h: Harness) => {
  const res = await h.request({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
};

describe('GET /metrics', () => {
  it('answers Prometheus text without any credential', () =>
    withHarness(async (h) => {
      const res = await h.request({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
      assert.match(res.body, /^# HELP tessera_http_requests_total /m);
    }));

  it('counts requests by method, route pattern and code, verifications by outcome, and never shows a secret', () =>
    withHarness(async (h) => {
      const created = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'm' } });
      assert.equal(created.statusCode, 201, created.body);
      const { token, secret } = created.json() as { token: { id: string }; secret: string };

      const verify = (payload: Record<string, unknown>) => h.request({ method: 'POST', url: '/v1/verify', payload });
      assert.equal((await verify({ token: secret })).json().code, 'VALID');
      assert.equal((await verify({ token: 'tsr_' + 'a'.repeat(36) })).json().code, 'NOT_FOUND');
      const batch = await h.request({ method: 'POST', url: '/v1/verify/batch', payload: { tokens: [secret, 'nope'] } });
      assert.deepEqual(
        batch.json().results.map((r: { code: string }) => r.code),
        ['VALID', 'NOT_FOUND'],
      );
      const shown = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin });
      assert.equal(shown.statusCode, 200);
      const missing = await h.request({ method: 'GET', url: `/v1/no-such-route?token=${secret}` });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'NOT_FOUND');
      const badUrl = await h.request({ method: 'GET', url: `/v1/tokens/%E0%A4%A?token=${secret}` });
      assert.equal(badUrl.statusCode, 400);

      const text = await scrape(h);
      const requests = (method: string, route: string, code: string) => sample(text, 'tessera_http_requests_total', { method, route, code });
      assert.equal(requests('POST', '/v1/tokens', '201'), 1);
      assert.equal(requests('POST', '/v1/verify', '200'), 2);
      assert.equal(requests('POST', '/v1/verify/batch', '200'), 1);
      assert.equal(requests('GET', '/v1/tokens/:id', '200'), 1);
      assert.equal(requests('GET', 'unmatched', '404'), 1);
      assert.equal(requests('GET', 'unmatched', '400'), 1);
      const timed = sample(text, 'tessera_http_request_duration_seconds_count', { method: 'POST', route: '/v1/verify', code: '200' });
      assert.equal(timed, 2);

      assert.equal(sample(text, 'tessera_verify_outcomes_total', { code: 'VALID' }), 2);
      assert.equal(sample(text, 'tessera_verify_outcomes_total', { code: 'NOT_FOUND' }), 2);

      for (const secretText of [secret, h.admin]) assert.equal(text.includes(secretText), false);
      assert.equal(text.includes('no-such-route'), false);
      assert.equal(text.includes(token.id), false);
    }));

  it('reports cache hits and misses as they happened', () =>
    withHarness(async (h) => {
      const created = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'c' } });
      const { secret } = created.json() as { secret: string };
      const before = await scrape(h);
      for (let i = 0; i < 2; i++) await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } });
      const after = await scrape(h);

      const delta = (name: string) => sample(after, name)! - sample(before, name)!;
      assert.equal(delta('tessera_token_cache_misses_total'), 1);
      assert.equal(delta('tessera_token_cache_hits_total'), 1);
      const hits = sample(after, 'tessera_token_cache_hits_total')!;
      const misses = sample(after, 'tessera_token_cache_misses_total')!;
      assert.equal(sample(after, 'tessera_token_cache_hit_ratio'), hits / (hits + misses));
      assert.equal(sample(after, 'tessera_token_cache_entries'), h.background.cache.size);
      assert.ok(h.background.cache.size > 0);
    }));

  it('reports how late another node heard of a change, and the feed it read', () => {
    const stores = createMemoryStores();
    return withHarness(async (h) => {
      const created = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'r' } });
      const revoked = await h.request({ method: 'POST', url: `/v1/tokens/${created.json().token.id}/revoke`, as: h.admin });
      assert.equal(revoked.statusCode, 200, revoked.body);

      // Another node over the same store reads the log 2.5 s after the change was made.
      const clock = new ManualClock(h.clock.now() + 2500);
      const other = createServices(stores, { runtime: clock, metrics: new Metrics() });
      await other.background.changes.catchUp();
      const text = await other.services.metrics.text();
      assert.equal(sample(text, 'tessera_change_notification_lag_seconds_count'), 1);
      assert.equal(sample(text, 'tessera_change_notification_lag_seconds_sum'), 2.5);
      assert.equal(sample(text, 'tessera_change_feed_last_seq'), await stores.changes.latest());
      assert.equal(sample(text, 'tessera_change_feed_live'), 1);
    }, stores);
  });

  it('times every store query, migrations included, when the store is SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
    const metrics = new Metrics();
    const stores = await openStores({ dataDir: dir, onQuery: (ms, failed) => metrics.observeStoreQuery(ms, failed) });
    try {
      await withHarness(
        async (h) => {
          const count = async () => sample(await scrape(h), 'tessera_store_query_duration_seconds_count')!;
          const before = await count();
          assert.ok(before > 0);
          const created = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 's' } });
          assert.equal(created.statusCode, 201);
          assert.ok((await count()) > before);
          assert.equal(sample(await scrape(h), 'tessera_store_query_errors_total'), 0);
        },
        stores,
        { metrics },
      );
    } finally {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts failed store queries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-metrics-'));
    const seen: boolean[] = [];
    const database = await openDatabase({ dataDir: dir, onQuery: (_ms, failed) => seen.push(failed) });
    try {
      await sql`select 1`.execute(database.db);
      await assert.rejects(sql`select * from no_such_table`.execute(database.db));
      assert.deepEqual(seen, [false, true]);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
