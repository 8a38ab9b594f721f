import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { newId } from './ids.js';

describe('ids', () => {
  it('have the kind, 26 Crockford characters, and sort by time', () => {
    const early = newId('tok', Date.UTC(2026, 0, 1), randomBytes);
    const late = newId('tok', Date.UTC(2026, 0, 2), randomBytes);
    assert.match(early, /^tok_[0-9a-hjkmnp-tv-z]{26}$/);
    assert.ok(early < late);
  });

  it('strictly increase within one millisecond and when the clock steps back', () => {
    const t = Date.UTC(2030, 0, 1);
    const ids = [newId('evt', t, randomBytes), newId('evt', t, randomBytes), newId('evt', t - 5000, randomBytes), newId('evt', t, randomBytes)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, 4);
  });
});
