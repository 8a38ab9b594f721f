import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachStore } from '../support/store-factories.js';

await describeEachStore('SettingsStore contract', (stores) => {
  it('records the first value claimed under a name and answers it to every later claim', async () => {
    assert.equal(await stores.settings.claim('first', 'a'), 'a');
    assert.equal(await stores.settings.claim('first', 'b'), 'a');
    assert.equal(await stores.settings.claim('first', 'a'), 'a');
  });

  it('gives concurrent claims of one name the same answer: one of the values claimed', async () => {
    const values = Array.from({ length: 10 }, (_, i) => `v${i}`);
    const answers = await Promise.all(values.map((v) => stores.settings.claim('race', v)));
    assert.equal(new Set(answers).size, 1);
    assert.ok(values.includes(answers[0]!));
    assert.equal(await stores.settings.claim('race', 'late'), answers[0]);
  });

  it('keeps names apart', async () => {
    assert.equal(await stores.settings.claim('one', 'x'), 'x');
    assert.equal(await stores.settings.claim('two', 'y'), 'y');
  });

  it('reads nothing under a name never claimed, then the value claimed first', async () => {
    assert.equal(await stores.settings.read('unclaimed'), undefined);
    await stores.settings.claim('read-me', 'first');
    await stores.settings.claim('read-me', 'second');
    assert.equal(await stores.settings.read('read-me'), 'first');
    assert.equal(await stores.settings.read('unclaimed'), undefined);
  });
});
