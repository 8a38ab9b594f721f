import assert from 'node:assert/strict';
import { it } from 'node:test';
import { T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

const digest = (n: number) => Buffer.alloc(32, n);
/** A changed api token of one user, as the log records it. */
const changed = (n: number) => ({ digest: digest(n), type: 'api', ownerUserId: 'usr_1', teamId: null });

await describeEachStore('ChangeLogStore contract', (stores) => {
  it('numbers changes 1, 2, 3 … and reads them back after a given number', async () => {
    const latest = await stores.changes.latest();
    const appended = await stores.changes.append([changed(1), changed(2)], T0);
    assert.deepEqual(
      appended.map((c) => c.seq),
      [latest + 1, latest + 2],
    );
    const read = await stores.changes.since(latest, 10);
    const owner = { type: 'api', ownerUserId: 'usr_1', teamId: null };
    assert.deepEqual(read, [
      { seq: latest + 1, digest: digest(1), at: T0, owner },
      { seq: latest + 2, digest: digest(2), at: T0, owner },
    ]);
    assert.equal(await stores.changes.latest(), latest + 2);
    assert.deepEqual(await stores.changes.since(latest + 2, 10), []);
    assert.equal((await stores.changes.since(latest, 1)).length, 1, 'the limit holds');
  });

  it('hands out every number exactly once to concurrent appends, with no gaps', async () => {
    const start = await stores.changes.latest();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => stores.changes.append([changed(i % 250), changed((i + 1) % 250)], T0)));
    const numbers = results
      .flat()
      .map((c) => c.seq)
      .sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 80 }, (_, i) => start + 1 + i),
    );
    assert.deepEqual(
      (await stores.changes.since(start, 1000)).map((c) => c.seq),
      numbers,
    );
  });

  it('prunes old changes but always keeps the latest, so numbering goes on', async () => {
    await stores.changes.append([changed(3)], T0 - 10_000);
    const latest = await stores.changes.latest();
    await stores.changes.prune(T0 + 1);
    assert.deepEqual(
      (await stores.changes.since(0, 1000)).map((c) => c.seq),
      [latest],
    );
    const [next] = await stores.changes.append([changed(4)], T0 + 5);
    assert.equal(next!.seq, latest + 1);
  });

  it('has one name that does not change', async () => {
    const id = await stores.changes.logId();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(await stores.changes.logId(), id);
  });

  it('records whose token changed: its type, owner and team, for the verifiers that may hear of it', async () => {
    const latest = await stores.changes.latest();
    const team = { digest: digest(5), type: 'resource', ownerUserId: 'usr_2', teamId: 'team_1' };
    const personal = { digest: digest(6), type: 'personal', ownerUserId: 'usr_3', teamId: null };
    await stores.changes.append([team, personal], T0);
    assert.deepEqual(
      (await stores.changes.since(latest, 10)).map((c) => c.owner),
      [
        { type: 'resource', ownerUserId: 'usr_2', teamId: 'team_1' },
        { type: 'personal', ownerUserId: 'usr_3', teamId: null },
      ],
    );
  });

  it('appends nothing for no digests', async () => {
    const latest = await stores.changes.latest();
    assert.deepEqual(await stores.changes.append([], T0), []);
    assert.equal(await stores.changes.latest(), latest);
  });
});
