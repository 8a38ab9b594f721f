import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrations } from '../../src/store/sql/migrate.js';

describe('migrations', () => {
  it('are listed in the order Kysely applies them: by name', () => {
    const names = Object.keys(migrations('sqlite'));
    assert.deepEqual([...names].sort(), names);
    for (const name of names) assert.match(name, /^\d{4}-\d{2}-\d{2}T\d{4}-[a-z-]+$/);
  });
});
