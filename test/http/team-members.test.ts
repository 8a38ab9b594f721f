import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { describeEachApp, withHarness } from '../support/app-harness.js';
import { storeFactories } from '../support/store-factories.js';
import { overrideMethod } from '../support/store-override.js';

/** PATCH and DELETE /v1/teams/{id}/members/{userId} (issue 22). */
await describeEachApp('team members: change a role, remove a member', (h) => {
  let n = 0;
  const fresh = () => `tm-${++n}`;
  async function ok(options: InjectOptions & { as?: string }): Promise<any> {
    const res = await h.request(options);
    assert.ok(res.statusCode < 300, `setting up: ${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
    return res.json();
  }
  const patch = (team: string, user: string, role: string, as: string) =>
    h.request({ method: 'PATCH', url: `/v1/teams/${team}/members/${user}`, payload: { role }, as });
  const remove = (team: string, user: string, as: string) => h.request({ method: 'DELETE', url: `/v1/teams/${team}/members/${user}`, as });
  const roles = async (team: string) =>
    Object.fromEntries((await ok({ method: 'GET', url: `/v1/teams/${team}`, as: h.admin })).members.map((m: any) => [m.userId, m.role]));

  /** A team owned by `owner` with `member` as member. */
  async function team() {
    const owner = await h.user(fresh());
    const member = await h.user(fresh());
    const made = (await ok({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: fresh() } })).team;
    await ok({ method: 'POST', url: `/v1/teams/${made.id}/members`, as: owner.secret, payload: { userId: member.id, role: 'member' } });
    return { id: made.id as string, slug: made.slug as string, owner, member };
  }

  describe('happy', () => {
    it("an owner changes a member's role and removes them, audited; the removed member loses the team's rights at once", async () => {
      const t = await team();
      const teamToken = await ok({ method: 'POST', url: `/v1/tokens?teamId=${t.id}`, as: t.owner.secret, payload: { name: 'shared' } });
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${teamToken.token.id}`, as: t.member.secret })).statusCode, 200);

      const changed = await patch(t.id, t.member.id, 'viewer', t.owner.secret);
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(changed.json().membership, { teamId: t.id, userId: t.member.id, role: 'viewer', createdAt: changed.json().membership.createdAt });
      // A viewer may read, no longer change.
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${teamToken.token.id}/revoke`, as: t.member.secret })).statusCode, 403);

      const personal = await ok({
        method: 'POST',
        url: '/v1/tokens',
        as: t.member.secret,
        payload: { name: 'mine', type: 'personal', scopes: ['tokens:read'] },
      });
      const removed = await remove(t.slug, t.member.id, t.owner.secret);
      assert.equal(removed.statusCode, 204, removed.body);
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${teamToken.token.id}`, as: t.member.secret })).statusCode, 404);
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens?teamId=${t.id}`, as: t.member.secret })).statusCode, 403);
      // Their personal tokens stay theirs.
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${personal.token.id}`, as: t.member.secret })).statusCode, 200);
      assert.deepEqual(await roles(t.id), { [t.owner.id]: 'owner' });

      const audit = (await h.stores.audit.list({ limit: 100, targetId: t.id })).items.map((e) => [e.action, e.subjectUserId, e.details.role]);
      assert.deepEqual(
        audit.filter(([action]) => action === 'team.member.update' || action === 'team.member.remove'),
        [
          ['team.member.remove', t.member.id, 'viewer'],
          ['team.member.update', t.member.id, 'viewer'],
        ],
      );
    });

    it('an owner hands the team on: promote another, then step down', async () => {
      const t = await team();
      assert.equal((await patch(t.id, t.member.id, 'owner', t.owner.secret)).statusCode, 200);
      assert.equal((await patch(t.id, t.owner.id, 'member', t.owner.secret)).statusCode, 200);
      assert.deepEqual(await roles(t.id), { [t.owner.id]: 'member', [t.member.id]: 'owner' });
      // No longer an owner: may not change roles.
      assert.equal((await patch(t.id, t.member.id, 'viewer', t.owner.secret)).statusCode, 403);
    });

    it('an admin who is no member acts as an owner', async () => {
      const t = await team();
      assert.equal((await patch(t.id, t.member.id, 'viewer', h.admin)).statusCode, 200);
      assert.equal((await remove(t.id, t.member.id, h.admin)).statusCode, 204);
    });
  });

  describe('errors', () => {
    it('never leaves the team without an owner (409 LAST_TEAM_OWNER), and nothing changes', async () => {
      const t = await team();
      for (const res of [await remove(t.id, t.owner.id, t.owner.secret), await patch(t.id, t.owner.id, 'member', t.owner.secret)]) {
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().error.code, 'LAST_TEAM_OWNER');
      }
      assert.deepEqual(await roles(t.id), { [t.owner.id]: 'owner', [t.member.id]: 'member' });
    });

    it('404 MEMBER_NOT_FOUND for a user who is no member; 400 for a bad role', async () => {
      const t = await team();
      const stranger = await h.user(fresh());
      for (const res of [await remove(t.id, stranger.id, t.owner.secret), await patch(t.id, 'usr_nobody', 'member', t.owner.secret)]) {
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'MEMBER_NOT_FOUND');
      }
      assert.equal((await patch(t.id, t.member.id, 'admin', t.owner.secret)).statusCode, 400);
    });
  });

  describe('security', () => {
    it('members, viewers and strangers may not; a credential and teams:write are needed', async () => {
      const t = await team();
      const viewer = await h.user(fresh());
      await ok({ method: 'POST', url: `/v1/teams/${t.id}/members`, as: t.owner.secret, payload: { userId: viewer.id, role: 'viewer' } });
      const stranger = await h.user(fresh());
      // A member may not remove even a viewer, nor promote themselves.
      assert.equal((await remove(t.id, viewer.id, t.member.secret)).statusCode, 403);
      assert.equal((await patch(t.id, t.member.id, 'owner', t.member.secret)).statusCode, 403);
      assert.equal((await patch(t.id, viewer.id, 'owner', viewer.secret)).statusCode, 403);
      // A stranger learns nothing about the team.
      assert.equal((await remove(t.id, t.member.id, stranger.secret)).statusCode, 403);
      assert.equal((await h.request({ method: 'DELETE', url: `/v1/teams/${t.id}/members/${t.member.id}` })).statusCode, 401);
      const readOnly = await ok({ method: 'POST', url: '/v1/tokens', as: t.owner.secret, payload: { name: 'ro', type: 'personal', scopes: ['teams:read'] } });
      assert.equal((await remove(t.id, t.member.id, readOnly.secret)).statusCode, 403);
      assert.deepEqual(await roles(t.id), { [t.owner.id]: 'owner', [t.member.id]: 'member', [viewer.id]: 'viewer' });
    });
  });
});

/**
 * POST /v1/teams/{id}/members for a user deleted (by another request, another node) after the
 * service found them and before the membership is written: here the deletion is put in between.
 */
for (const factory of await storeFactories()) {
  describe(`team members: adding a user deleted meanwhile: ${factory.name}`, { skip: factory.skip }, () => {
    it('404 USER_NOT_FOUND, and no membership for them', async () => {
      const { stores, cleanup } = await factory.open();
      const accounts = overrideMethod(stores.accounts, 'addMember', (original) => async (membership) => {
        await stores.accounts.deleteUser(membership.userId, Date.now());
        return original(membership);
      });
      try {
        await withHarness(
          async (h) => {
            const gone = await h.user('tm-gone');
            const team = (await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: 'tm-gone' } })).json().team;
            const res = await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: h.admin, payload: { userId: gone.id, role: 'member' } });
            assert.equal(res.statusCode, 404, res.body);
            assert.equal(res.json().error.code, 'USER_NOT_FOUND');
            assert.equal(await stores.accounts.findRole(team.id, gone.id), undefined);
          },
          { ...stores, accounts },
        );
      } finally {
        await cleanup();
      }
    });
  });
}
