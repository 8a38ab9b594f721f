import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressBar, progressLine, ProgressPace } from './progress.js';

describe('import progress', () => {
  it('draws a bar with the count, the rate per second and the time left at that rate', () => {
    assert.equal(progressBar({ done: 250_000, total: 1_000_000, elapsedMs: 5_000 }, 20), '[#####---------------]  25% 250000/1000000 50000/s ETA 00:15');
    assert.equal(progressBar({ done: 10, total: 10, elapsedMs: 2_000 }, 4), '[####] 100% 10/10 5/s ETA 00:00');
  });

  it('writes hours past an hour, and no ETA before anything is done', () => {
    assert.equal(progressLine('import', { done: 1, total: 10_000, elapsedMs: 1_000 }), 'import: 0% 1/10000 1/s ETA 2:46:39');
    assert.equal(progressLine('import', { done: 0, total: 5, elapsedMs: 0 }), 'import: 0% 0/5 0/s ETA --:--');
  });

  it('on a terminal, redraws at most 10 times a second', () => {
    const pace = new ProgressPace(true);
    const state = { done: 1, total: 100, elapsedMs: 0 };
    assert.equal(pace.due(state, 1000), true);
    assert.equal(pace.due(state, 1050), false);
    assert.equal(pace.due(state, 1099), false);
    assert.equal(pace.due(state, 1100), true);
  });

  it('in a log, writes a line each tenth or every 5 s, whichever comes first', () => {
    const pace = new ProgressPace(false);
    const at = (done: number) => ({ done, total: 1000, elapsedMs: 0 });
    assert.equal(pace.due(at(0), 0), true);
    assert.equal(pace.due(at(50), 100), false);
    assert.equal(pace.due(at(100), 200), true);
    assert.equal(pace.due(at(150), 300), false);
    assert.equal(pace.due(at(160), 5300), true, '5 s since the last line');
    assert.equal(pace.due(at(170), 5400), false);
  });
});
