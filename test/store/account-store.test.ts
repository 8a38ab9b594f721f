import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { AppError } from '../../src/core/errors.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { openStores } from '../../src/store/open-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { postgresTestUrl } from '../support/postgres.js';
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

  it('refuses (USER_NOT_FOUND) a membership for a user who does not exist, such as one deleted since the caller looked', async () => {
    await user('usr_gone');
    await stores.accounts.deleteUser('usr_gone', T0);
    await assert.rejects(
      stores.accounts.addMember({ teamId: 'team_3', userId: 'usr_gone', role: 'member', createdAt: T0 }),
      (error: unknown) => error instanceof AppError && error.code === 'USER_NOT_FOUND',
    );
    assert.equal(await stores.accounts.findRole('team_3', 'usr_gone'), undefined);
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
    assert.equal((await stores.accounts.setUserDisabled('usr_dis', T0 + 5, T0 + 5))!.user.disabledAt, T0 + 5);
    assert.equal((await stores.accounts.setUserDisabled('usr_dis', T0 + 9, T0 + 9))!.user.disabledAt, T0 + 5);
    assert.equal((await stores.accounts.findUser('usr_dis'))!.disabledAt, T0 + 5);
    assert.equal((await stores.accounts.setUserDisabled('usr_dis', null, T0 + 10))!.user.disabledAt, null);
    assert.equal(await stores.accounts.setUserDisabled('usr_nobody', T0, T0), undefined);

    await admin('usr_adm1');
    await admin('usr_adm2');
    assert.equal((await stores.accounts.setUserDisabled('usr_adm1', T0, T0))!.user.disabledAt, T0);
    await assert.rejects(stores.accounts.setUserDisabled('usr_adm2', T0, T0), isCode('LAST_ADMIN'));
    assert.equal((await stores.accounts.findUser('usr_adm2'))!.disabledAt, null);
    await assert.rejects(stores.accounts.deleteUser('usr_adm2', T0), isCode('LAST_ADMIN'));
    // A disabled admin may go: an enabled one stays.
    assert.deepEqual(await stores.accounts.deleteUser('usr_adm1', T0), { tokenIds: [] });
    assert.ok(await stores.accounts.findUser('usr_adm2'));
  });

  it("sets and clears the user's suspension on all their tokens with the user, apart from each token's own, and returns those it changed", async () => {
    await user('usr_off');
    await user('usr_stays');
    const mk = (owner: string, extra: Parameters<typeof makeToken>[0] = {}) => makeToken(extra, { ownerUserId: owner }).token;
    const [a1, a2, selfSuspended, b1] = [mk('usr_off'), mk('usr_off', { teamId: 'team_o' } as never), mk('usr_off', { disabledAt: T0 + 1 }), mk('usr_stays')];
    for (const t of [a1, a2, selfSuspended, b1]) await stores.tokens.insert(t);
    const disabled = (await stores.accounts.setUserDisabled('usr_off', T0 + 50, T0 + 50))!;
    assert.equal(disabled.user.disabledAt, T0 + 50);
    assert.deepEqual([...disabled.tokenIds].sort(), [a1.id, a2.id, selfSuspended.id].sort());
    for (const id of disabled.tokenIds) assert.deepEqual(await ownerSuspension(id), { ownerDisabledAt: T0 + 50, updatedAt: T0 + 50 });
    assert.equal((await stores.tokens.findById(b1.id))!.ownerDisabledAt, null);

    // Again: nothing left to change, and the first time stays. A token issued since is born
    // disabled; one imported since (insertMany stores tokens as given) is caught by the next call.
    assert.deepEqual((await stores.accounts.setUserDisabled('usr_off', T0 + 60, T0 + 60))!.tokenIds, []);
    const issued = mk('usr_off');
    await stores.tokens.insert(issued);
    assert.equal((await stores.tokens.findById(issued.id))!.ownerDisabledAt, T0 + 50);
    const imported = mk('usr_off');
    await stores.tokens.insertMany([imported]);
    assert.deepEqual((await stores.accounts.setUserDisabled('usr_off', T0 + 70, T0 + 70))!.tokenIds, [imported.id]);
    assert.deepEqual(await ownerSuspension(imported.id), { ownerDisabledAt: T0 + 50, updatedAt: T0 + 70 });

    const enabled = (await stores.accounts.setUserDisabled('usr_off', null, T0 + 80))!;
    assert.equal(enabled.user.disabledAt, null);
    assert.equal(enabled.tokenIds.length, 5);
    assert.deepEqual(await ownerSuspension(a1.id), { ownerDisabledAt: null, updatedAt: T0 + 80 });
    // Its own suspension is not the owner's: it stays.
    assert.equal((await stores.tokens.findById(selfSuspended.id))!.disabledAt, T0 + 1);
  });

  const ownerSuspension = async (id: string) => {
    const token = (await stores.tokens.findById(id))!;
    return { ownerDisabledAt: token.ownerDisabledAt, updatedAt: token.updatedAt };
  };

  it("deletes a user with their memberships, revoking their tokens not revoked by then; never a team's only owner", async () => {
    await user('usr_del_owner');
    await user('usr_del_member');
    await stores.accounts.createTeam(
      { id: 'team_del', slug: 'del', name: 'Del', createdAt: T0 },
      { teamId: 'team_del', userId: 'usr_del_owner', role: 'owner', createdAt: T0 },
    );
    await stores.accounts.addMember({ teamId: 'team_del', userId: 'usr_del_member', role: 'member', createdAt: T0 });
    const mk = (owner: string, extra: Parameters<typeof makeToken>[0] = {}) => makeToken(extra, { ownerUserId: owner }).token;
    const [live, early, later, owners] = [
      mk('usr_del_member'),
      mk('usr_del_member', { revokedAt: T0 + 5 }),
      mk('usr_del_member', { revokedAt: T0 + 500 }),
      mk('usr_del_owner'),
    ];
    for (const t of [live, early, later, owners]) await stores.tokens.insert(t);

    await assert.rejects(stores.accounts.deleteUser('usr_del_owner', T0 + 100), isCode('LAST_TEAM_OWNER'));
    assert.ok(await stores.accounts.findUser('usr_del_owner'));
    assert.equal((await stores.tokens.findById(owners.id))!.revokedAt, null, 'a refused deletion revokes nothing');

    const deleted = (await stores.accounts.deleteUser('usr_del_member', T0 + 100))!;
    assert.deepEqual([...deleted.tokenIds].sort(), [live.id, later.id].sort());
    assert.deepEqual(await revocation(live.id), { revokedAt: T0 + 100, updatedAt: T0 + 100 });
    assert.deepEqual(await revocation(later.id), { revokedAt: T0 + 100, updatedAt: T0 + 100 });
    assert.equal((await stores.tokens.findById(early.id))!.revokedAt, T0 + 5, 'the earlier revocation stays');
    assert.equal(await stores.accounts.findUser('usr_del_member'), undefined);
    assert.equal(await stores.accounts.findRole('team_del', 'usr_del_member'), undefined);
    assert.deepEqual(
      (await stores.accounts.listMembers('team_del')).map((m) => m.userId),
      ['usr_del_owner'],
    );
    assert.equal(await stores.accounts.deleteUser('usr_del_member', T0 + 200), undefined);
  });

  const revocation = async (id: string) => {
    const token = (await stores.tokens.findById(id))!;
    return { revokedAt: token.revokedAt, updatedAt: token.updatedAt };
  };

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

/**
 * Offboarding a user changes their tokens in the same transaction as the user's row. Failures made
 * here by triggers: one refuses the tokens' suspension mark, so disabling fails with the user still
 * enabled (never a disabled user whose tokens still verify); the other refuses the user row's
 * deletion, which comes after the revocations, so deleting fails with no token revoked.
 */
describe("AccountStore's offboarding writes are one transaction with the tokens", () => {
  const check = async (stores: Stores, refuse: () => Promise<void>) => {
    await stores.accounts.createUser({ id: 'usr_tx', name: 'tx', email: null, role: 'member', createdAt: T0 });
    const token = makeToken({}, { ownerUserId: 'usr_tx' }).token;
    await stores.tokens.insert(token);
    await refuse();
    await assert.rejects(stores.accounts.setUserDisabled('usr_tx', T0 + 5, T0 + 5), /tokens refused/);
    assert.equal((await stores.accounts.findUser('usr_tx'))!.disabledAt, null, 'the user row rolled back with the tokens');
    assert.equal((await stores.tokens.findById(token.id))!.ownerDisabledAt, null);
    await assert.rejects(stores.accounts.deleteUser('usr_tx', T0 + 6), /users refused/);
    assert.ok(await stores.accounts.findUser('usr_tx'));
    assert.equal((await stores.tokens.findById(token.id))!.revokedAt, null, 'the revocation rolled back with the user row');
  };

  it('on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-offboard-tx-'));
    const stores = await openStores({ dataDir: dir });
    try {
      await check(stores, async () => {
        const db = new SqliteDatabase(join(dir, 'tessera.db'));
        db.exec("create trigger refuse_owner_mark before update of owner_disabled_at on tokens begin select raise(abort, 'tokens refused'); end");
        db.exec("create trigger refuse_user_delete before delete on users begin select raise(abort, 'users refused'); end");
        db.close();
      });
    } finally {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('on PostgreSQL', async (t) => {
    const database = await postgresTestUrl();
    if ('skip' in database) return t.skip(database.skip);
    const stores = await openStores({ dataDir: '', databaseUrl: database.url });
    try {
      await check(stores, async () => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        await client.query("create function refuse_owner_mark() returns trigger language plpgsql as $$ begin raise exception 'tokens refused'; end $$");
        await client.query('create trigger refuse_owner_mark before update of owner_disabled_at on tokens for each row execute function refuse_owner_mark()');
        await client.query("create function refuse_user_delete() returns trigger language plpgsql as $$ begin raise exception 'users refused'; end $$");
        await client.query('create trigger refuse_user_delete before delete on users for each row execute function refuse_user_delete()');
        await client.end();
      });
    } finally {
      await stores.close();
      await database.drop();
    }
  });
});

/**
 * Two nodes on one PostgreSQL database (SQLite has one writer, so no interleaving there): node A
 * deletes a plain member of a team while node B makes them its owner and the old owner steps down.
 * A is held, after it has read who owns what, at its revocation of the user's tokens (a row lock
 * on one of them taken here), so B runs in between; the team must come out with an owner.
 */
/**
 * Two store instances (nodes) on one new PostgreSQL database, a client to hold row locks with, and
 * a way to wait until so many sessions wait for a lock; skipped without PostgreSQL.
 */
const withNodes = async (
  t: { skip(message: string): void },
  run: (nodes: {
    a: Stores;
    b: Stores;
    holder: pg.Client;
    waiting: () => Promise<number>;
    until: (what: string, done: () => boolean | Promise<boolean>) => Promise<void>;
  }) => Promise<void>,
) => {
  const database = await postgresTestUrl();
  if ('skip' in database) return t.skip(database.skip);
  const a = await openStores({ dataDir: '', databaseUrl: database.url });
  const b = await openStores({ dataDir: '', databaseUrl: database.url });
  const holder = new pg.Client({ connectionString: database.url });
  const watcher = new pg.Client({ connectionString: database.url });
  try {
    await holder.connect();
    await watcher.connect();
    // Sessions of this database waiting for a lock (pg_stat_activity is read outside any transaction, so it is current).
    const waiting = async () =>
      Number((await watcher.query("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0].n);
    const until = async (what: string, done: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 500; i++) {
        if (await done()) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail(`timed out waiting for ${what}`);
    };
    await run({ a, b, holder, waiting, until });
  } finally {
    await holder.end().catch(() => {});
    await watcher.end();
    await a.close();
    await b.close();
    await database.drop();
  }
};

/** `promise`, its outcome kept as a value, and whether it has settled yet. */
const settled = <T>(promise: Promise<T>) => {
  const state: { done: boolean; outcome?: Promise<{ value?: T; error?: unknown }> } = { done: false };
  state.outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  void state.outcome.finally(() => (state.done = true));
  return state as { done: boolean; outcome: Promise<{ value?: T; error?: unknown }> };
};

describe("AccountStore's deleteUser against a concurrent change of a team's owners, on PostgreSQL", () => {
  it('never deletes a member who became the only owner meanwhile', async (t) => {
    await withNodes(t, async ({ a: nodeA, b: nodeB, holder, waiting, until }) => {
      for (const id of ['usr_race_owner', 'usr_race_member']) await nodeA.accounts.createUser({ id, name: id, email: null, role: 'member', createdAt: T0 });
      await nodeA.accounts.createTeam(
        { id: 'team_race', slug: 'race', name: 'Race', createdAt: T0 },
        { teamId: 'team_race', userId: 'usr_race_owner', role: 'owner', createdAt: T0 },
      );
      await nodeA.accounts.addMember({ teamId: 'team_race', userId: 'usr_race_member', role: 'member', createdAt: T0 });
      const token = makeToken({}, { ownerUserId: 'usr_race_member' }).token;
      await nodeA.tokens.insert(token);

      await holder.query('begin');
      await holder.query('select id from tokens where id = $1 for update', [token.id]);
      const deleting = settled(nodeA.accounts.deleteUser('usr_race_member', T0 + 100));
      await until('node A to wait for the token row', async () => (await waiting()) === 1);

      const handOver = settled(
        (async () => {
          await nodeB.accounts.setMemberRole('team_race', 'usr_race_member', 'owner');
          await nodeB.accounts.setMemberRole('team_race', 'usr_race_owner', 'member');
        })(),
      );
      // B either finishes in between (nothing of A's stops it) or queues behind A.
      await until('node B to finish or wait', async () => handOver.done || (await waiting()) === 2);
      await holder.query('commit');

      const [deleted, handed] = await Promise.all([deleting.outcome, handOver.outcome]);
      const owners = (await nodeA.accounts.listMembers('team_race')).filter((m) => m.role === 'owner').map((m) => m.userId);
      assert.deepEqual(owners, ['usr_race_owner'], `the team keeps an owner (deleteUser: ${JSON.stringify(deleted)}, hand-over: ${String(handed.error)})`);
      // A went first: the member was gone before B could promote them, so the owner may not step down.
      assert.deepEqual(deleted, { value: { tokenIds: [token.id] } });
      assert.ok(handed.error instanceof AppError && handed.error.code === 'LAST_TEAM_OWNER', String(handed.error));
    });
  });
});

/**
 * Two nodes on one PostgreSQL database (SQLite has one writer): node B stores a token for a user
 * while node A deletes or disables them. Each order is forced with a row lock taken here, and
 * either way the token must not outlive its owner live: refused when A went first, revoked or
 * disabled by A when B went first.
 */
describe("AccountStore's offboarding against a token stored for the user at once, on PostgreSQL", () => {
  const offboardings = {
    deleteUser: (stores: Stores, id: string, now: number) => stores.accounts.deleteUser(id, now),
    setUserDisabled: (stores: Stores, id: string, now: number) => stores.accounts.setUserDisabled(id, now, now),
  };

  for (const [name, offboard] of Object.entries(offboardings)) {
    it(`${name} first: the token stored meanwhile waits for it, then is refused (deleted) or born disabled`, async (t) => {
      await withNodes(t, async ({ a, b, holder, waiting, until }) => {
        await a.accounts.createUser({ id: 'usr_leaving', name: 'leaving', email: null, role: 'member', createdAt: T0 });
        const existing = makeToken({}, { ownerUserId: 'usr_leaving' }).token;
        await a.tokens.insert(existing);
        // A is held after it has locked the user's row, at its update of the user's tokens.
        await holder.query('begin');
        await holder.query('select id from tokens where id = $1 for update', [existing.id]);
        const offboarding = settled(offboard(a, 'usr_leaving', T0 + 100));
        await until('node A to wait for the token row', async () => (await waiting()) === 1);

        const fresh = makeToken({ createdAt: T0 + 50 }, { ownerUserId: 'usr_leaving', ownerDisabledAt: null }).token;
        const inserting = settled(b.tokens.insert(fresh));
        await until('node B to finish or wait', async () => inserting.done || (await waiting()) === 2);
        const waited = !inserting.done;
        await holder.query('commit');
        const [off, inserted] = await Promise.all([offboarding.outcome, inserting.outcome]);
        assert.equal(off.error, undefined, String(off.error));
        const stored = await a.tokens.findById(fresh.id);
        if (name === 'deleteUser') {
          assert.ok(
            inserted.error instanceof AppError && inserted.error.code === 'USER_NOT_FOUND',
            `insert: ${String(inserted.error)}, stored ${JSON.stringify(stored?.revokedAt)}`,
          );
          assert.equal(stored, undefined, 'no token of a deleted user');
        } else {
          assert.equal(inserted.error, undefined, String(inserted.error));
          assert.equal(stored!.ownerDisabledAt, T0 + 100, 'born disabled, as its owner');
        }
        assert.ok(waited, 'node B waited for node A');
      });
    });

    it(`token first: ${name} waits for the token stored meanwhile, and revokes or disables it`, async (t) => {
      await withNodes(t, async ({ a, b, holder, waiting, until }) => {
        await a.accounts.createUser({ id: 'usr_leaving', name: 'leaving', email: null, role: 'member', createdAt: T0 });
        const existing = makeToken({}, { ownerUserId: 'usr_leaving' }).token;
        await a.tokens.insert(existing);
        const fresh = makeToken({ createdAt: T0 + 50 }, { ownerUserId: 'usr_leaving', ownerDisabledAt: null }).token;
        // B is held at its insert (after its read of the owner): a row with the same id, not yet committed, here.
        await holder.query('begin');
        await holder.query('create temporary table held on commit drop as select * from tokens where id = $1', [existing.id]);
        await holder.query('update held set id = $1, digest = $2', [fresh.id, randomBytes(32)]);
        await holder.query('insert into tokens select * from held');
        const inserting = settled(b.tokens.insert(fresh));
        await until('node B to wait for the held row', async () => (await waiting()) === 1);

        const offboarding = settled(offboard(a, 'usr_leaving', T0 + 100));
        await until('node A to finish or wait', async () => offboarding.done || (await waiting()) === 2);
        const waited = !offboarding.done;
        await holder.query('rollback');
        const [off, inserted] = await Promise.all([offboarding.outcome, inserting.outcome]);
        assert.equal(inserted.error, undefined, String(inserted.error));
        assert.equal(off.error, undefined, String(off.error));
        const stored = (await a.tokens.findById(fresh.id))!;
        if (name === 'deleteUser') assert.equal(stored.revokedAt, T0 + 100, 'revoked with its owner');
        else assert.equal(stored.ownerDisabledAt, T0 + 100, 'disabled with its owner');
        assert.deepEqual([...(off.value as { tokenIds: string[] }).tokenIds].sort(), [existing.id, fresh.id].sort());
        assert.ok(waited, 'node A waited for node B');
      });
    });
  }
});
