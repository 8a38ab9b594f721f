import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

const isConflict = (error: unknown) => error instanceof AppError && error.code === 'CONFLICT';

await describeEachStore('AccountStore contract', (stores) => {
  const user = (id: string, email: string | null = null) => stores.accounts.createUser({ id, name: id.toUpperCase(), email, role: 'member', createdAt: T0 });

  it('creates users with increasing numeric ids and counts them', async () => {
    assert.equal(await stores.accounts.countUsers(), 0);
    const a = await user('usr_a', 'a@example.com');
    const b = await user('usr_b');
    assert.deepEqual(a, { id: 'usr_a', numId: a.numId, name: 'USR_A', email: 'a@example.com', role: 'member', createdAt: T0, disabledAt: null });
    assert.ok(Number.isInteger(a.numId) && a.numId > 0);
    assert.ok(b.numId > a.numId);
    assert.deepEqual(await stores.accounts.findUser('usr_b'), b);
    assert.equal(await stores.accounts.findUser('usr_none'), undefined);
    assert.equal(await stores.accounts.countUsers(), 2);
  });

  it('refuses a duplicate user id or email', async () => {
    await user('usr_c', 'c@example.com');
    await assert.rejects(user('usr_c'), isConflict);
    await assert.rejects(user('usr_d', 'c@example.com'), isConflict);
    assert.equal(await stores.accounts.findUser('usr_d'), undefined);
  });

  it('pages users newest id first', async () => {
    for (const id of ['usr_p1', 'usr_p2', 'usr_p3']) await user(id);
    const first = await stores.accounts.listUsers({ limit: 2 });
    const rest = await stores.accounts.listUsers({ limit: 100, cursor: first.nextCursor! });
    const all = [...first.items, ...rest.items].map((u) => u.id);
    assert.deepEqual(all, [...all].sort().reverse());
    assert.ok(all.includes('usr_p2'));
    assert.equal(rest.nextCursor, null);
  });

  it('creates a team with its owner, refuses a taken slug, finds it by id and slug', async () => {
    await user('usr_owner');
    await user('usr_other');
    const team = { id: 'team_1', slug: 'acme', name: 'Acme', createdAt: T0 };
    await stores.accounts.createTeam(team, { teamId: 'team_1', userId: 'usr_owner', role: 'owner', createdAt: T0 });
    await assert.rejects(
      stores.accounts.createTeam({ ...team, id: 'team_2' }, { teamId: 'team_2', userId: 'usr_other', role: 'owner', createdAt: T0 }),
      isConflict,
    );
    assert.equal(await stores.accounts.findTeam({ id: 'team_2' }), undefined);
    assert.equal(await stores.accounts.findRole('team_2', 'usr_other'), undefined);
    assert.deepEqual(await stores.accounts.findTeam({ id: 'team_1' }), team);
    assert.deepEqual(await stores.accounts.findTeam({ slug: 'acme' }), team);
    assert.equal(await stores.accounts.findTeam({ slug: 'nope' }), undefined);
    assert.equal(await stores.accounts.findRole('team_1', 'usr_owner'), 'owner');
  });

  it('adds members once and lists teams by member', async () => {
    await stores.accounts.createTeam(
      { id: 'team_3', slug: 'three', name: 'Three', createdAt: T0 },
      { teamId: 'team_3', userId: 'usr_owner', role: 'owner', createdAt: T0 },
    );
    await stores.accounts.addMember({ teamId: 'team_3', userId: 'usr_other', role: 'viewer', createdAt: T0 + 1 });
    await assert.rejects(stores.accounts.addMember({ teamId: 'team_3', userId: 'usr_other', role: 'owner', createdAt: T0 + 2 }), isConflict);
    assert.equal(await stores.accounts.findRole('team_3', 'usr_other'), 'viewer');
    assert.deepEqual(await stores.accounts.listMembers('team_3'), [
      { teamId: 'team_3', userId: 'usr_owner', role: 'owner', createdAt: T0 },
      { teamId: 'team_3', userId: 'usr_other', role: 'viewer', createdAt: T0 + 1 },
    ]);
    const mine = await stores.accounts.listTeams({ limit: 10, memberId: 'usr_other' });
    assert.deepEqual(
      mine.items.map((t) => t.id),
      ['team_3'],
    );
    const owned = await stores.accounts.listTeams({ limit: 10, memberId: 'usr_owner' });
    assert.deepEqual(
      owned.items.map((t) => t.id),
      ['team_3', 'team_1'],
    );
    const all = await stores.accounts.listTeams({ limit: 1 });
    assert.equal(all.items.length, 1);
    assert.equal(all.nextCursor, all.items[0]!.id);
  });

  it('refuses a second user whose name differs only in case or compatibility form', async () => {
    await stores.accounts.createUser({ id: 'usr_n1', name: 'Renée Dupont', email: null, role: 'member', createdAt: T0 });
    for (const name of ['renée dupont', 'RENÉE DUPONT', ' Renée Dupont ', 'Ｒenée Dupont']) {
      await assert.rejects(
        stores.accounts.createUser({ id: `usr_n${name.length}x`, name, email: null, role: 'member', createdAt: T0 }),
        (error: unknown) => error instanceof AppError && error.code === 'USER_NAME_TAKEN',
        name,
      );
    }
    assert.ok(await stores.accounts.createUser({ id: 'usr_n2', name: 'Renee Dupont', email: null, role: 'member', createdAt: T0 }));
    assert.equal(await stores.accounts.countUsers(), (await stores.accounts.listUsers({ limit: 1000 })).items.length);
  });

  const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;
  const admin = (id: string) => stores.accounts.createUser({ id, name: id, email: null, role: 'admin', createdAt: T0 });

  it('disables and enables a user, keeping the first time; never the last enabled admin', async () => {
    await user('usr_dis');
    assert.equal((await stores.accounts.setUserDisabled('usr_dis', T0 + 5))!.disabledAt, T0 + 5);
    assert.equal((await stores.accounts.setUserDisabled('usr_dis', T0 + 9))!.disabledAt, T0 + 5);
    assert.equal((await stores.accounts.findUser('usr_dis'))!.disabledAt, T0 + 5);
    assert.equal((await stores.accounts.setUserDisabled('usr_dis', null))!.disabledAt, null);
    assert.equal(await stores.accounts.setUserDisabled('usr_nobody', T0), undefined);

    await admin('usr_adm1');
    await admin('usr_adm2');
    assert.equal((await stores.accounts.setUserDisabled('usr_adm1', T0))!.disabledAt, T0);
    await assert.rejects(stores.accounts.setUserDisabled('usr_adm2', T0), isCode('LAST_ADMIN'));
    assert.equal((await stores.accounts.findUser('usr_adm2'))!.disabledAt, null);
    assert.equal(await stores.accounts.deletionProblem('usr_adm2'), 'LAST_ADMIN');
    await assert.rejects(stores.accounts.deleteUser('usr_adm2'), isCode('LAST_ADMIN'));
    // A disabled admin may go: an enabled one stays.
    assert.equal(await stores.accounts.deletionProblem('usr_adm1'), undefined);
    assert.equal(await stores.accounts.deleteUser('usr_adm1'), true);
    assert.ok(await stores.accounts.findUser('usr_adm2'));
  });

  it("deletes a user with their memberships, never a team's only owner", async () => {
    await user('usr_del_owner');
    await user('usr_del_member');
    await stores.accounts.createTeam(
      { id: 'team_del', slug: 'del', name: 'Del', createdAt: T0 },
      { teamId: 'team_del', userId: 'usr_del_owner', role: 'owner', createdAt: T0 },
    );
    await stores.accounts.addMember({ teamId: 'team_del', userId: 'usr_del_member', role: 'member', createdAt: T0 });
    assert.equal(await stores.accounts.deletionProblem('usr_del_owner'), 'LAST_TEAM_OWNER');
    await assert.rejects(stores.accounts.deleteUser('usr_del_owner'), isCode('LAST_TEAM_OWNER'));
    assert.ok(await stores.accounts.findUser('usr_del_owner'));
    assert.equal(await stores.accounts.deleteUser('usr_del_member'), true);
    assert.equal(await stores.accounts.findUser('usr_del_member'), undefined);
    assert.equal(await stores.accounts.findRole('team_del', 'usr_del_member'), undefined);
    assert.deepEqual(
      (await stores.accounts.listMembers('team_del')).map((m) => m.userId),
      ['usr_del_owner'],
    );
    assert.equal(await stores.accounts.deleteUser('usr_del_member'), false);
  });

  it('removes members and changes their roles, never leaving a team without an owner', async () => {
    await user('usr_m_owner');
    await user('usr_m_two');
    await user('usr_m_three');
    await stores.accounts.createTeam(
      { id: 'team_m', slug: 'members', name: 'M', createdAt: T0 },
      { teamId: 'team_m', userId: 'usr_m_owner', role: 'owner', createdAt: T0 },
    );
    await stores.accounts.addMember({ teamId: 'team_m', userId: 'usr_m_two', role: 'member', createdAt: T0 + 1 });
    await stores.accounts.addMember({ teamId: 'team_m', userId: 'usr_m_three', role: 'viewer', createdAt: T0 + 2 });

    await assert.rejects(stores.accounts.removeMember('team_m', 'usr_m_owner'), isCode('LAST_TEAM_OWNER'));
    await assert.rejects(stores.accounts.setMemberRole('team_m', 'usr_m_owner', 'member'), isCode('LAST_TEAM_OWNER'));
    assert.equal(await stores.accounts.findRole('team_m', 'usr_m_owner'), 'owner');

    assert.deepEqual(await stores.accounts.setMemberRole('team_m', 'usr_m_two', 'owner'), {
      teamId: 'team_m',
      userId: 'usr_m_two',
      role: 'owner',
      createdAt: T0 + 1,
    });
    assert.equal((await stores.accounts.setMemberRole('team_m', 'usr_m_owner', 'viewer'))!.role, 'viewer');
    assert.equal(await stores.accounts.findRole('team_m', 'usr_m_owner'), 'viewer');
    assert.equal(await stores.accounts.removeMember('team_m', 'usr_m_three'), true);
    assert.equal(await stores.accounts.findRole('team_m', 'usr_m_three'), undefined);
    assert.equal(await stores.accounts.removeMember('team_m', 'usr_m_three'), false);
    assert.equal(await stores.accounts.setMemberRole('team_m', 'usr_m_three', 'owner'), undefined);
    await assert.rejects(stores.accounts.removeMember('team_m', 'usr_m_two'), isCode('LAST_TEAM_OWNER'));
    assert.deepEqual(
      (await stores.accounts.listMembers('team_m')).map((m) => [m.userId, m.role]),
      [
        ['usr_m_owner', 'viewer'],
        ['usr_m_two', 'owner'],
      ],
    );
  });
});
