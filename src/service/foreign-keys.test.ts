import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOREIGN_KEYS_PRESENT, FOREIGN_KEYS_SETTING } from '../core/foreign-key.js';
import { MemorySettingsStore } from '../store/memory/memory-settings-store.js';
import type { SettingsStore } from '../store/settings-store.js';
import { ForeignKeys } from './foreign-keys.js';

/** A settings store that counts its reads, and fails the next `failing` of them. */
function countedSettings(): { settings: SettingsStore; reads: () => number; fail: (n: number) => void } {
  const inner = new MemorySettingsStore();
  let reads = 0;
  let failing = 0;
  const settings: SettingsStore = {
    claim: (name, value) => inner.claim(name, value),
    read: async (name) => {
      reads++;
      if (failing > 0) {
        failing--;
        throw new Error('the store is down');
      }
      return inner.read(name);
    },
  };
  return { settings, reads: () => reads, fail: (n) => (failing = n) };
}

const noError = (error: unknown) => assert.fail(`reading the setting failed: ${String(error)}`);

/** Polls until `check` holds; the refresh here is 10 ms, so this waits for a few of them. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(check(), what);
}

describe('ForeignKeys', () => {
  it('reads the setting at start, again every refresh until it is present, then never again', async () => {
    const { settings, reads } = countedSettings();
    const keys = new ForeignKeys({ settings }, { refreshMs: 10 });
    await keys.start(noError);
    assert.equal(keys.present, false);
    assert.equal(reads(), 1);
    await until('a second read', () => reads() >= 3);
    assert.equal(keys.present, false);
    await settings.claim(FOREIGN_KEYS_SETTING, FOREIGN_KEYS_PRESENT);
    await until('the setting read as present', () => keys.present);
    const after = reads();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(reads(), after, 'read again once present');
    keys.stop();
  });

  it('knows at start, with one read, when the setting is there already', async () => {
    const { settings, reads } = countedSettings();
    await settings.claim(FOREIGN_KEYS_SETTING, FOREIGN_KEYS_PRESENT);
    const keys = new ForeignKeys({ settings }, { refreshMs: 10 });
    await keys.start(noError);
    assert.equal(keys.present, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reads(), 1);
  });

  it('is told at once by an importer in this process, and claim records it for the other nodes', async () => {
    const { settings } = countedSettings();
    const keys = new ForeignKeys({ settings }, { refreshMs: 0 });
    await keys.start(noError);
    assert.equal(keys.present, false);
    await keys.claim();
    assert.equal(keys.present, true);
    assert.equal(await settings.read(FOREIGN_KEYS_SETTING), FOREIGN_KEYS_PRESENT);
    const other = new ForeignKeys({ settings }, { refreshMs: 0 });
    assert.equal(await other.refresh(), true);
    const fresh = new ForeignKeys({ settings: countedSettings().settings }, { refreshMs: 0 });
    assert.equal(fresh.present, false);
    fresh.markPresent();
    assert.equal(fresh.present, true);
  });

  it('reports a failed read and tries again at the next refresh; start itself does not fail', async () => {
    const { settings, fail } = countedSettings();
    fail(2);
    const errors: unknown[] = [];
    const keys = new ForeignKeys({ settings }, { refreshMs: 10 });
    await keys.start((error) => errors.push(error));
    assert.equal(errors.length, 1);
    await settings.claim(FOREIGN_KEYS_SETTING, FOREIGN_KEYS_PRESENT);
    await until('present after the store came back', () => keys.present);
    assert.equal(errors.length, 2);
    keys.stop();
  });

  it('takes no other value of the setting for present', async () => {
    const { settings } = countedSettings();
    await settings.claim(FOREIGN_KEYS_SETTING, 'something else');
    const keys = new ForeignKeys({ settings }, { refreshMs: 0 });
    assert.equal(await keys.refresh(), false);
  });
});
