import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoredLeakPolicy } from '../../src/store/leak-policy-store.js';
import { T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

const policy = (teamId: string | null, more: Partial<StoredLeakPolicy> = {}): StoredLeakPolicy => ({
  teamId,
  action: 'notify',
  gracePeriodMs: null,
  updatedAt: T0,
  updatedBy: 'usr_a',
  ...more,
});

await describeEachStore('LeakPolicyStore contract', (stores) => {
  it('keeps a policy per team and one default, each found as put; none before', async () => {
    assert.equal(await stores.leakPolicies.find('team_lp1'), undefined);
    assert.equal(await stores.leakPolicies.find(null), undefined);
    const team = policy('team_lp1', { action: 'rotate', gracePeriodMs: 86_400_000 });
    const fallback = policy(null, { action: 'disable', updatedBy: 'usr_admin' });
    await stores.leakPolicies.put(team);
    await stores.leakPolicies.put(fallback);
    assert.deepEqual(await stores.leakPolicies.find('team_lp1'), team);
    assert.deepEqual(await stores.leakPolicies.find(null), fallback);
    assert.equal(await stores.leakPolicies.find('team_lp2'), undefined);
  });

  it('replaces a policy when put again, and removes one (saying whether there was one)', async () => {
    await stores.leakPolicies.put(policy('team_lp3', { action: 'rotate', gracePeriodMs: 1000 }));
    const replaced = policy('team_lp3', { action: 'revoke', updatedAt: T0 + 5, updatedBy: 'usr_b' });
    await stores.leakPolicies.put(replaced);
    assert.deepEqual(await stores.leakPolicies.find('team_lp3'), replaced);
    assert.equal(await stores.leakPolicies.remove('team_lp3'), true);
    assert.equal(await stores.leakPolicies.find('team_lp3'), undefined);
    assert.equal(await stores.leakPolicies.remove('team_lp3'), false);
  });
});
