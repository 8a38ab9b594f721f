/**
 * `node dist/bench/analytics-record.js`: what counting a verification for analytics costs in
 * process (AnalyticsRecorder.record on a hot minute, 1,000 tokens), beside an empty loop measured
 * in the same run. The load benchmark's `verify-warm-analytics-off` row compares whole requests.
 */
import type { TokenRecord } from '../src/core/token.js';
import { AnalyticsRecorder } from '../src/service/analytics-recorder.js';
import type { AnalyticsStore } from '../src/store/analytics-store.js';

const N = 20_000_000;
const store = { add: async () => {} } as unknown as AnalyticsStore;
const tokens = Array.from({ length: 1000 }, (_, i) => ({ id: `tok_${i}`, ownerUserId: 'usr_1', teamId: null, type: 'api' }) as unknown as TokenRecord);
const tags = ['plan:pro', 'route:/v1/orders'];
const start = Date.now();
let sink = 0;

function measure(label: string, body: () => void): void {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    body();
    runs.push(Number(process.hrtime.bigint() - t0) / N);
  }
  runs.sort((a, b) => a - b);
  console.log(`${label.padEnd(36)} ${runs[0]!.toFixed(1)} ns per verification (best of 5; median ${runs[2]!.toFixed(1)})`);
}

const recorder = new AnalyticsRecorder(store);
measure('loop alone', () => {
  for (let i = 0; i < N; i++) sink += tokens[i % 1000]!.id.length;
});
// The clock moves a millisecond every 16,384 calls: the minute stays, as it does for most verifications.
measure('record(), no tags', () => {
  for (let i = 0; i < N; i++) recorder.record(tokens[i % 1000], 'VALID', undefined, undefined, start + (i >> 14));
});
measure('record(), two tags', () => {
  for (let i = 0; i < N; i++) recorder.record(tokens[i % 1000], 'VALID', undefined, tags, start + (i >> 14));
});
measure('record(), a charge of 1 credit', () => {
  for (let i = 0; i < N; i++) recorder.record(tokens[i % 1000], 'VALID', 1_000_000_000n, undefined, start + (i >> 14));
});
if (sink < 0) console.log(sink);
