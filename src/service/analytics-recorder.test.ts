import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../core/token.js';
import type { AnalyticsStore, VerificationCount } from '../store/analytics-store.js';
import { AnalyticsRecorder } from './analytics-recorder.js';

/** An analytics store that keeps the batches it is given, and fails a write when told to. */
function recordingStore() {
  const batches: VerificationCount[][] = [];
  const control = { fail: false };
  const store = {
    async add(counts: readonly VerificationCount[]) {
      if (control.fail) throw new Error('database away');
      batches.push(counts.map((c) => ({ ...c })));
    },
  } as unknown as AnalyticsStore;
  return { store, batches, control };
}

const token = (id: string, more: Partial<TokenRecord> = {}) => ({ id, ownerUserId: 'usr_1', teamId: null, type: 'api', ...more }) as TokenRecord;
const MINUTE = 60_000;
const T = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE);

/** A batch as `[bucket offset in minutes, token, outcome, tag, count, credits]`, sorted. */
const rows = (batch: VerificationCount[]) =>
  batch.map((c) => [(c.bucketStart - T) / MINUTE, c.tokenId, c.outcome, c.tag, c.count, c.credits] as const).sort((a, b) => String(a).localeCompare(String(b)));

describe('AnalyticsRecorder', () => {
  it('counts per token, outcome and minute, with the credits of the VALID ones, NOT_FOUND under no token', async () => {
    const { store, batches } = recordingStore();
    const recorder = new AnalyticsRecorder(store);
    const a = token('tok_a');
    recorder.record(a, 'VALID', 500_000_000n, undefined, T + 1);
    recorder.record(a, 'VALID', 1_000_000_000n, undefined, T + 59_999);
    recorder.record(a, 'EXPIRED', undefined, undefined, T + 2);
    recorder.record(undefined, 'NOT_FOUND', undefined, undefined, T + 3);
    recorder.record(a, 'VALID', undefined, undefined, T + MINUTE);
    await recorder.flush();
    assert.equal(batches.length, 1);
    assert.deepEqual(rows(batches[0]!), [
      [0, null, 'NOT_FOUND', '', 1, 0n],
      [0, 'tok_a', 'EXPIRED', '', 1, 0n],
      [0, 'tok_a', 'VALID', '', 2, 1_500_000_000n],
      [1, 'tok_a', 'VALID', '', 1, 0n],
    ]);
    const [first] = batches[0]!.filter((c) => c.tokenId === 'tok_a');
    assert.deepEqual([first!.granularity, first!.ownerUserId, first!.teamId, first!.tokenType], ['minute', 'usr_1', null, 'api']);
    await recorder.flush();
    assert.equal(batches.length, 1, 'nothing recorded, nothing written');
  });

  it('adds a row per tag beside the total', async () => {
    const { store, batches } = recordingStore();
    const recorder = new AnalyticsRecorder(store);
    recorder.record(token('tok_a'), 'VALID', undefined, ['plan:pro', 'route:/x'], T);
    recorder.record(token('tok_a'), 'RATE_LIMITED', undefined, ['plan:pro'], T);
    await recorder.flush();
    assert.deepEqual(rows(batches[0]!), [
      [0, 'tok_a', 'RATE_LIMITED', '', 1, 0n],
      [0, 'tok_a', 'RATE_LIMITED', 'plan:pro', 1, 0n],
      [0, 'tok_a', 'VALID', '', 1, 0n],
      [0, 'tok_a', 'VALID', 'plan:pro', 1, 0n],
      [0, 'tok_a', 'VALID', 'route:/x', 1, 0n],
    ]);
  });

  it('keeps a batch whose write failed, and writes it with what came since', async () => {
    const { store, batches, control } = recordingStore();
    const recorder = new AnalyticsRecorder(store);
    recorder.record(token('tok_a'), 'VALID', 2n, undefined, T);
    control.fail = true;
    await assert.rejects(recorder.flush(), /database away/);
    recorder.record(token('tok_a'), 'VALID', 3n, undefined, T + 10);
    recorder.record(token('tok_a'), 'VALID', undefined, undefined, T + MINUTE);
    control.fail = false;
    await recorder.flush();
    assert.deepEqual(rows(batches[0]!), [
      [0, 'tok_a', 'VALID', '', 2, 5n],
      [1, 'tok_a', 'VALID', '', 1, 0n],
    ]);
  });

  it('writes what is left when stopped', async () => {
    const { store, batches } = recordingStore();
    const recorder = new AnalyticsRecorder(store);
    recorder.start(3_600_000, () => {});
    recorder.record(token('tok_a'), 'REVOKED', undefined, undefined, T);
    await recorder.stop();
    assert.deepEqual(rows(batches[0]!), [[0, 'tok_a', 'REVOKED', '', 1, 0n]]);
  });
});
