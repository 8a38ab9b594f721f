import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { newId } from '../../src/core/ids.js';
import type { Stores } from '../../src/store/stores.js';
import { makeEvent, T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

await describeEachStore('AuditStore contract', (stores) => {
  it('appends and lists newest first with every filter and pages', async () => {
    const at = (i: number) => ({ id: newId('evt', T0 + i, randomBytes), at: T0 + i });
    const events = [
      makeEvent({ ...at(1), action: 'token.create', actorUserId: 'usr_a', subjectUserId: 'usr_a', targetId: 'tok_1', details: { name: 'x', n: [1] } }),
      makeEvent({ ...at(2), action: 'token.revoke', actorUserId: 'usr_admin', subjectUserId: 'usr_a', targetId: 'tok_1' }),
      makeEvent({
        ...at(3),
        action: 'team.create',
        actorUserId: 'usr_b',
        subjectUserId: null,
        targetType: 'team',
        targetId: 'team_1',
        teamId: 'team_1',
        ip: null,
        requestId: null,
      }),
      makeEvent({ ...at(4), action: 'token.create', actorUserId: 'usr_b', subjectUserId: 'usr_b', targetId: 'tok_2', teamId: 'team_1' }),
    ];
    for (const e of events) await stores.audit.append(e);
    const ids = async (q: Partial<Parameters<Stores['audit']['list']>[0]>) => (await stores.audit.list({ limit: 100, ...q })).items.map((e) => e.id);
    const [e1, e2, e3, e4] = events.map((e) => e.id);

    assert.deepEqual((await stores.audit.list({ limit: 100 })).items, [...events].reverse());
    assert.deepEqual(await ids({ teamId: 'team_1' }), [e4, e3]);
    assert.deepEqual(await ids({ involvingUserId: 'usr_a' }), [e2, e1]);
    assert.deepEqual(await ids({ involvingUserId: 'usr_admin' }), [e2]);
    assert.deepEqual(await ids({ targetId: 'tok_1' }), [e2, e1]);
    assert.deepEqual(await ids({ action: 'token.create' }), [e4, e1]);
    assert.deepEqual(await ids({ action: 'token.create', teamId: 'team_1' }), [e4]);
    assert.deepEqual(await ids({ actorUserId: 'usr_b' }), [e4, e3]);
    assert.deepEqual(await ids({ actorUserId: 'usr_a' }), [e1]);
    assert.deepEqual(await ids({ from: T0 + 2 }), [e4, e3, e2]);
    assert.deepEqual(await ids({ to: T0 + 2 }), [e1]);
    assert.deepEqual(await ids({ from: T0 + 2, to: T0 + 4, actorUserId: 'usr_b' }), [e3]);

    const first = await stores.audit.list({ limit: 3 });
    assert.deepEqual(
      first.items.map((e) => e.id),
      [e4, e3, e2],
    );
    assert.equal(first.nextCursor, e2);
    const second = await stores.audit.list({ limit: 3, cursor: first.nextCursor! });
    assert.deepEqual(
      second.items.map((e) => e.id),
      [e1],
    );
    assert.equal(second.nextCursor, null);
  });
});
