import assert from 'node:assert/strict';
import { it } from 'node:test';
import { edgeConfigDigest, type EdgeConfigRecord } from '../../src/core/edge-config.js';
import { AppError } from '../../src/core/errors.js';
import { T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

const config = (id: string, slug: string, items: Record<string, unknown> = {}): EdgeConfigRecord => ({
  id,
  slug,
  ownerUserId: 'usr_1',
  teamId: null,
  items,
  digest: edgeConfigDigest(items),
  createdAt: T0,
  updatedAt: T0,
});

await describeEachStore('EdgeConfigStore contract', (stores) => {
  it('round-trips a config and refuses a taken id or slug', async () => {
    const c = { ...config('ecfg_1', 'flags', { a: 1, nested: { b: [true, null] } }), teamId: 'team_1' };
    await stores.edgeConfigs.insert(c);
    assert.deepEqual(await stores.edgeConfigs.find('ecfg_1'), c);
    assert.equal(await stores.edgeConfigs.find('ecfg_none'), undefined);
    for (const dup of [config('ecfg_1', 'other'), config('ecfg_2', 'flags')]) {
      await assert.rejects(stores.edgeConfigs.insert(dup), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT');
    }
    assert.equal(await stores.edgeConfigs.find('ecfg_2'), undefined);
  });

  it('replaces items only over the expected digest', async () => {
    const c = config('ecfg_3', 'three', { x: 1 });
    await stores.edgeConfigs.insert(c);
    const items = { x: 2 };
    assert.equal(await stores.edgeConfigs.replaceItems('ecfg_3', c.digest, items, edgeConfigDigest(items), T0 + 5), true);
    assert.equal(await stores.edgeConfigs.replaceItems('ecfg_3', c.digest, { x: 3 }, edgeConfigDigest({ x: 3 }), T0 + 6), false);
    const stored = await stores.edgeConfigs.find('ecfg_3');
    assert.deepEqual(stored!.items, { x: 2 });
    assert.equal(stored!.digest, edgeConfigDigest({ x: 2 }));
    assert.equal(stored!.updatedAt, T0 + 5);
    assert.equal(await stores.edgeConfigs.replaceItems('ecfg_none', c.digest, {}, edgeConfigDigest({}), T0), false);
  });
});
