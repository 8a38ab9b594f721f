import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenStore, TokenUse } from '../store/token-store.js';
import { UsageRecorder } from './usage-recorder.js';

/** A token store that keeps the batches it is given, and fails or holds a write when told to. */
function recordingStore() {
  const batches: TokenUse[][] = [];
  const control = { fail: false, hold: undefined as Promise<void> | undefined };
  const store = {
    async recordUses(uses: readonly TokenUse[]) {
      const copy = uses.map((u) => ({ ...u }));
      if (control.hold) await control.hold;
      if (control.fail) throw new Error('database away');
      batches.push(copy);
    },
  } as unknown as TokenStore;
  return { store, batches, control };
}

const byId = (batch: TokenUse[]) => [...batch].sort((a, b) => a.id.localeCompare(b.id));

describe('UsageRecorder', () => {
  it('writes one use per token per flush: how many since the last flush, and the latest time', async () => {
    const { store, batches } = recordingStore();
    const usage = new UsageRecorder(store);
    usage.record('tok_a', 30);
    usage.record('tok_b', 5);
    usage.record('tok_a', 10);
    usage.record('tok_a', 20);
    await usage.flush();
    assert.deepEqual(byId(batches[0]!), [
      { id: 'tok_a', at: 30, count: 3 },
      { id: 'tok_b', at: 5, count: 1 },
    ]);
    usage.record('tok_a', 40);
    await usage.flush();
    assert.deepEqual(batches[1], [{ id: 'tok_a', at: 40, count: 1 }]);
    await usage.flush();
    assert.equal(batches.length, 2, 'nothing recorded, nothing written');
  });

  it('keeps a batch the store refused and writes it with the next one, counts added', async () => {
    const { store, batches, control } = recordingStore();
    const usage = new UsageRecorder(store);
    usage.record('tok_a', 10);
    usage.record('tok_a', 11);
    control.fail = true;
    await assert.rejects(usage.flush(), /database away/);
    usage.record('tok_a', 5);
    usage.record('tok_b', 7);
    control.fail = false;
    await usage.flush();
    assert.deepEqual(byId(batches[0]!), [
      { id: 'tok_a', at: 11, count: 3 },
      { id: 'tok_b', at: 7, count: 1 },
    ]);
  });

  it('stop waits for a flush under way, then writes what came in meanwhile', async () => {
    const { store, batches, control } = recordingStore();
    const usage = new UsageRecorder(store);
    let release!: () => void;
    control.hold = new Promise((resolve) => (release = resolve));
    usage.record('tok_a', 1);
    const first = usage.flush();
    await new Promise((resolve) => setImmediate(resolve));
    usage.record('tok_a', 2);
    let stopped = false;
    const stopping = usage.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop waits for the write under way');
    release();
    await Promise.all([first, stopping]);
    assert.deepEqual(batches, [[{ id: 'tok_a', at: 1, count: 1 }], [{ id: 'tok_a', at: 2, count: 1 }]]);
  });
});
