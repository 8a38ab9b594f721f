import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { DAY_MS } from '../../src/core/lifecycle-policy.js';
import { INSTALLATION_POLICY } from '../../src/store/policy-store.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { describeEachStore } from '../support/store-factories.js';

await describeEachStore('PolicyStore contract', (stores) => {
  it('finds nothing for a level never set, then the policy put, replaced whole by the next put', async () => {
    assert.equal(await stores.policies.find('team_never'), undefined);
    const first = { scope: 'team_p1', policy: { maxLifetime: { api: 90 }, allowedScopes: ['documents:*'] }, updatedAt: T0, updatedBy: 'usr_1' };
    await stores.policies.put(first);
    assert.deepEqual(await stores.policies.find('team_p1'), first);
    const second = { scope: 'team_p1', policy: { inactivityDays: 30 }, updatedAt: T0 + 5, updatedBy: null };
    await stores.policies.put(second);
    assert.deepEqual(await stores.policies.find('team_p1'), second);
  });

  it('lists every level set, the installation`s among them, each once', async () => {
    await stores.policies.put({ scope: INSTALLATION_POLICY, policy: { expiryRequired: ['personal'] }, updatedAt: T0, updatedBy: 'usr_a' });
    await stores.policies.put({ scope: 'team_p2', policy: {}, updatedAt: T0, updatedBy: 'usr_a' });
    const scopes = (await stores.policies.list()).map((r) => r.scope);
    for (const scope of [INSTALLATION_POLICY, 'team_p2']) assert.equal(scopes.filter((s) => s === scope).length, 1, scope);
    assert.deepEqual((await stores.policies.list()).find((r) => r.scope === INSTALLATION_POLICY)?.policy, { expiryRequired: ['personal'] });
  });
});

await describeEachStore('InactivityStore contract: the sweep`s reads and guarded writes', (stores) => {
  before(() => createOwners(stores, ['usr_owner']));

  const NOW = T0 + 1000 * DAY_MS;
  const made = async (overrides: Parameters<typeof makeToken>[0] = {}) => {
    const { token } = makeToken({ createdAt: NOW - 100 * DAY_MS, ...overrides });
    await stores.tokens.insert(token);
    return token;
  };
  const candidateIds = async (activeBefore: number) => {
    const ids: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const page = await stores.inactivity.candidates({ activeBefore, limit: 2, ...(afterId ? { afterId } : {}) });
      ids.push(...page.map((c) => c.id));
      if (page.length < 2) return ids;
      afterId = page[page.length - 1]!.id;
    }
  };

  it('reads live tokens idle since the cutoff (last use, else creation), in id order, page by page', async () => {
    const idle = await made();
    const usedLongAgo = await made();
    await stores.tokens.recordUses([{ id: usedLongAgo.id, at: NOW - 60 * DAY_MS, count: 1 }]);
    const usedLately = await made();
    await stores.tokens.recordUses([{ id: usedLately.id, at: NOW - DAY_MS, count: 1 }]);
    const young = await made({ createdAt: NOW - DAY_MS });
    const revoked = await made({ revokedAt: NOW - 50 * DAY_MS });
    const rotating = await made({ revokedAt: NOW + DAY_MS });
    const leaked = await made({ leakedAt: NOW - 50 * DAY_MS });
    const ids = await candidateIds(NOW - 30 * DAY_MS);
    assert.deepEqual([...ids].sort(), ids, 'in id order');
    for (const t of [idle, usedLongAgo]) assert.ok(ids.includes(t.id), 'stale: read');
    for (const t of [usedLately, young, revoked, rotating, leaked]) assert.ok(!ids.includes(t.id), 'not stale or not live: left out');
    const page = await stores.inactivity.candidates({ activeBefore: NOW - 30 * DAY_MS, limit: 500 });
    const read = page.find((c) => c.id === usedLongAgo.id)!;
    assert.deepEqual(read, {
      id: usedLongAgo.id,
      type: usedLongAgo.type,
      teamId: usedLongAgo.teamId,
      createdAt: usedLongAgo.createdAt,
      activeAt: NOW - 60 * DAY_MS,
      warning: null,
    });
  });

  it('records a warning once of a stretch of inactivity, however many nodes try at once; again for a later stretch', async () => {
    const t = await made();
    const since = t.createdAt;
    const tries = await Promise.all(Array.from({ length: 5 }, (_, i) => stores.inactivity.markWarned(t.id, since, NOW + i)));
    assert.equal(tries.filter(Boolean).length, 1);
    const read = (await stores.inactivity.candidates({ activeBefore: NOW, limit: 1000 })).find((c) => c.id === t.id)!;
    assert.equal(read.warning?.warnedFor, since);
    assert.ok(read.warning!.warnedAt >= NOW && read.warning!.warnedAt < NOW + 5);
    await stores.tokens.recordUses([{ id: t.id, at: NOW - 50 * DAY_MS, count: 1 }]);
    assert.equal(await stores.inactivity.markWarned(t.id, since, NOW + 10), false, 'a warning of a stretch a use has ended');
    assert.equal(await stores.inactivity.markWarned(t.id, NOW - 50 * DAY_MS, NOW + 10), true, 'the new stretch');
    assert.equal(await stores.inactivity.markWarned(t.id, NOW - 50 * DAY_MS, NOW + 11), false);
  });

  it('warns no token that is revoked or unknown', async () => {
    const t = await made({ revokedAt: NOW - DAY_MS });
    assert.equal(await stores.inactivity.markWarned(t.id, t.createdAt, NOW), false);
    assert.equal(await stores.inactivity.markWarned('tok_nope', 0, NOW), false);
  });

  it('revokes a stale live token once across racing calls, and answers the token as revoked to the one that did', async () => {
    const t = await made();
    const results = await Promise.all(Array.from({ length: 5 }, () => stores.inactivity.revokeInactive(t.id, NOW - 30 * DAY_MS, NOW)));
    const won = results.filter((r) => r !== undefined);
    assert.equal(won.length, 1);
    assert.equal(won[0]!.id, t.id);
    assert.equal(won[0]!.revokedAt, NOW);
    assert.equal((await stores.tokens.findById(t.id))?.revokedAt, NOW);
  });

  it('revokes no token used since the cutoff, already revoked or rotating, or leaked: all left as they were', async () => {
    const used = await made();
    await stores.tokens.recordUses([{ id: used.id, at: NOW - DAY_MS, count: 1 }]);
    const earlier = await made({ revokedAt: NOW - 5 * DAY_MS });
    const rotating = await made({ revokedAt: NOW + DAY_MS });
    const leaked = await made({ leakedAt: NOW - 5 * DAY_MS });
    for (const t of [used, earlier, rotating, leaked]) {
      assert.equal(await stores.inactivity.revokeInactive(t.id, NOW - 30 * DAY_MS, NOW), undefined, t.id);
      assert.equal((await stores.tokens.findById(t.id))?.revokedAt, t.revokedAt);
    }
    assert.equal(await stores.inactivity.revokeInactive('tok_nope', NOW, NOW), undefined);
  });
});
