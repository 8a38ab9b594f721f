import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { RecordingEvents } from '../../src/service/event-publisher.js';
import { describeEachApp } from '../support/app-harness.js';

/** Offboarding a person (issue 22): POST /v1/users/{id}/disable, /enable, DELETE /v1/users/{id}, and finding their tokens. */
const events = new RecordingEvents();

await describeEachApp(
  'offboarding a person',
  (h) => {
    let n = 0;
    const fresh = () => `offb-${++n}`;
    async function ok(options: InjectOptions & { as?: string }): Promise<any> {
      const res = await h.request(options);
      assert.ok(res.statusCode < 300, `setting up: ${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
      return res.json();
    }
    const make = async (as: string, payload: object = {}, query = '') =>
      (await ok({ method: 'POST', url: `/v1/tokens${query}`, as, payload: { name: fresh(), ...payload } })) as { token: any; secret: string };
    const code = async (secret: string) => (await ok({ method: 'POST', url: '/v1/verify', payload: { token: secret } })).code as string;
    const post = (url: string, as = h.admin) => h.request({ method: 'POST', url, as });
    const actions = async (id: string, action: string) => (await h.stores.audit.list({ limit: 100, targetId: id, action: action as never })).items;

    /** A person with a personal token, a token of their own, and a token in a team they belong to. */
    async function person() {
      const user = await h.user(fresh());
      const team = (await ok({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: fresh() } })).team;
      await ok({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: h.admin, payload: { userId: user.id, role: 'member' } });
      const own = await make(user.secret);
      const inTeam = await make(user.secret, {}, `?teamId=${team.id}`);
      const whoami = await ok({ method: 'GET', url: '/v1/whoami', as: user.secret });
      return { ...user, name: whoami.user.name as string, personalId: whoami.token.id as string, team, own, inTeam };
    }

    describe('disable and enable', () => {
      it("all the user's tokens answer DISABLED at once, their credential too; enabling restores all but those suspended one by one", async () => {
        const p = await person();
        const paused = await make(p.secret);
        await ok({ method: 'POST', url: `/v1/tokens/${paused.token.id}/disable`, as: p.secret });
        for (const secret of [p.own.secret, p.inTeam.secret]) assert.equal(await code(secret), 'VALID');

        const res = await post(`/v1/users/${p.id}/disable`);
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().user.disabledAt, h.clock.now());
        assert.equal(res.json().tokens, 4, 'personal, own, team and the suspended one');
        for (const secret of [p.own.secret, p.inTeam.secret, p.secret, paused.secret]) assert.equal(await code(secret), 'DISABLED');
        assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', as: p.secret })).statusCode, 401);
        const view = await ok({ method: 'GET', url: `/v1/tokens/${p.own.token.id}`, as: h.admin });
        assert.equal(view.token.status, 'disabled');
        assert.equal(view.token.ownerDisabledAt, h.clock.now());
        assert.equal(view.token.disabledAt, null);

        h.clock.advance(1000);
        const back = await post(`/v1/users/${p.id}/enable`);
        assert.equal(back.statusCode, 200, back.body);
        assert.equal(back.json().user.disabledAt, null);
        for (const secret of [p.own.secret, p.inTeam.secret, p.secret]) assert.equal(await code(secret), 'VALID');
        assert.equal(await code(paused.secret), 'DISABLED', 'suspended on its own: stays so');
        assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', as: p.secret })).statusCode, 200);

        assert.equal((await actions(p.id, 'user.disable')).length, 1);
        assert.equal((await actions(p.id, 'user.enable')).length, 1);
        assert.deepEqual(
          events.published.filter((e) => e.subject === p.id).map((e) => e.type),
          ['user.disabled', 'user.enabled'],
        );
      });

      it('is idempotent, and a token issued for a disabled user is born disabled', async () => {
        const p = await person();
        await post(`/v1/users/${p.id}/disable`);
        const again = await post(`/v1/users/${p.id}/disable`);
        assert.equal(again.statusCode, 200);
        assert.equal(again.json().tokens, 0);
        assert.equal((await actions(p.id, 'user.disable')).length, 1);
        const issued = await make(h.admin, { ownerUserId: p.id });
        assert.equal(issued.token.status, 'disabled');
        assert.equal(await code(issued.secret), 'DISABLED');
        await post(`/v1/users/${p.id}/enable`);
        assert.equal(await code(issued.secret), 'VALID');
      });

      it('shows disabledAt in the list of users', async () => {
        const p = await person();
        await post(`/v1/users/${p.id}/disable`);
        const users = (await ok({ method: 'GET', url: '/v1/users?limit=200', as: h.admin })).items as Array<{ id: string; disabledAt: number | null }>;
        assert.notEqual(users.find((u) => u.id === p.id)?.disabledAt ?? null, null);
      });
    });

    describe('delete', () => {
      it("revokes all the user's tokens for good and removes their memberships", async () => {
        const p = await person();
        const res = await h.request({ method: 'DELETE', url: `/v1/users/${p.id}`, as: h.admin });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().tokens, 3);
        for (const secret of [p.own.secret, p.inTeam.secret, p.secret]) assert.equal(await code(secret), 'REVOKED');
        const team = await ok({ method: 'GET', url: `/v1/teams/${p.team.id}`, as: h.admin });
        assert.equal(
          team.members.some((m: { userId: string }) => m.userId === p.id),
          false,
        );
        assert.equal((await post(`/v1/users/${p.id}/disable`)).statusCode, 404);
        assert.equal((await h.request({ method: 'DELETE', url: `/v1/users/${p.id}`, as: h.admin })).statusCode, 404);
        const [entry] = await actions(p.id, 'user.delete');
        assert.equal(entry?.details.name, p.name);
        // The audit log still names them.
        const listed = (await ok({ method: 'GET', url: `/v1/audit?targetId=${p.id}`, as: h.admin })).items;
        assert.equal(listed[0].targetName, p.name);
        const revoked = events.published.filter((e) => e.type === 'token.revoked' && e.ownerUserId === p.id).map((e) => e.subject);
        assert.deepEqual(revoked.sort(), [p.own.token.id, p.inTeam.token.id, p.personalId].sort());
      });

      it("refuses (409 LAST_TEAM_OWNER) a team's only owner, revoking nothing", async () => {
        const p = await person();
        const theirs = (await ok({ method: 'POST', url: '/v1/teams', as: p.secret, payload: { slug: fresh() } })).team;
        const res = await h.request({ method: 'DELETE', url: `/v1/users/${p.id}`, as: h.admin });
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().error.code, 'LAST_TEAM_OWNER');
        assert.equal(await code(p.own.secret), 'VALID');
        assert.ok(theirs.id);
      });
    });

    describe('errors and security', () => {
      it('refuses yourself (409 CANNOT_OFFBOARD_SELF): another admin offboards an admin', async () => {
        const me = await ok({ method: 'GET', url: '/v1/whoami', as: h.admin });
        for (const [method, url] of [
          ['POST', `/v1/users/${me.user.id}/disable`],
          ['DELETE', `/v1/users/${me.user.id}`],
        ] as const) {
          const res = await h.request({ method, url, as: h.admin });
          assert.equal(res.statusCode, 409, url);
          assert.equal(res.json().error.code, 'CANNOT_OFFBOARD_SELF');
        }
        assert.equal(await code(h.admin), 'VALID');
        const other = await ok({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: fresh(), role: 'admin' } });
        const otherToken = await make(h.admin, { type: 'personal', ownerUserId: other.user.id, scopes: ['*'] });
        assert.equal((await post(`/v1/users/${other.user.id}/disable`)).statusCode, 200);
        assert.equal((await post(`/v1/users/${me.user.id}/disable`, otherToken.secret)).statusCode, 401, 'a disabled admin cannot act');
        assert.equal((await post(`/v1/users/${other.user.id}/enable`)).statusCode, 200);
        assert.equal((await h.request({ method: 'GET', url: '/v1/users', as: otherToken.secret })).statusCode, 200);
      });

      it('never leaves no enabled admin (LAST_ADMIN), even asked by tessera outside a request', async () => {
        // Through the API the caller is an enabled admin other than the target, so the rule is the store's
        // guard against races: shown here with a caller that is not counted (a disabled admin's context).
        const me = (await ok({ method: 'GET', url: '/v1/whoami', as: h.admin })).user;
        const ghost = await ok({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: fresh(), role: 'admin' } });
        const ghostToken = await make(h.admin, { type: 'personal', ownerUserId: ghost.user.id, scopes: ['*'] });
        const admins = (await ok({ method: 'GET', url: '/v1/users?limit=200', as: h.admin })).items.filter(
          (u: { role: string; disabledAt: number | null; id: string }) => u.role === 'admin' && u.disabledAt === null && u.id !== me.id,
        );
        for (const u of admins) await ok({ method: 'POST', url: `/v1/users/${u.id}/disable`, as: h.admin });
        const ctx = { principal: { user: ghost.user, token: ghostToken.token }, ip: null, requestId: null };
        await assert.rejects(h.services.offboarding.disableUser(ctx, me.id), (e: { code?: string }) => e.code === 'LAST_ADMIN');
        await assert.rejects(h.services.offboarding.deleteUser(ctx, me.id), (e: { code?: string }) => e.code === 'LAST_ADMIN');
        assert.equal(await code(h.admin), 'VALID');
        for (const u of admins) await ok({ method: 'POST', url: `/v1/users/${u.id}/enable`, as: h.admin });
      });

      it('404 USER_NOT_FOUND for an unknown user, 400 for a bad id', async () => {
        for (const [method, url] of [
          ['POST', '/v1/users/usr_nobody/disable'],
          ['POST', '/v1/users/usr_nobody/enable'],
          ['DELETE', '/v1/users/usr_nobody'],
        ] as const) {
          const res = await h.request({ method, url, as: h.admin });
          assert.equal(res.statusCode, 404, url);
          assert.equal(res.json().error.code, 'USER_NOT_FOUND');
        }
        assert.equal((await h.request({ method: 'POST', url: `/v1/users/${'u'.repeat(65)}/disable`, as: h.admin })).statusCode, 400);
      });

      it('is for admins only: a member gets 403 and nothing changes; no credential 401', async () => {
        const p = await person();
        const member = await h.user(fresh());
        for (const [method, url] of [
          ['POST', `/v1/users/${p.id}/disable`],
          ['DELETE', `/v1/users/${p.id}`],
        ] as const) {
          assert.equal((await h.request({ method, url, as: member.secret })).statusCode, 403);
          assert.equal((await h.request({ method, url })).statusCode, 401);
        }
        assert.equal(await code(p.own.secret), 'VALID');
        // users:read is not enough.
        const reader = await make(h.admin, { type: 'personal', scopes: ['users:read'] });
        assert.equal((await post(`/v1/users/${p.id}/disable`, reader.secret)).statusCode, 403);
        // An admin's token limited to a team is no admin here.
        const scoped = await make(h.admin, { type: 'personal', scopes: ['*'] }, `?teamId=${p.team.id}`);
        assert.equal((await post(`/v1/users/${p.id}/disable`, scoped.secret)).statusCode, 403);
        assert.equal(await code(p.own.secret), 'VALID');
      });
    });

    describe('finding people and their tokens', () => {
      it('an admin lists every user, and every token of one person with ?ownerUserId=, or all with ?all=true', async () => {
        const p = await person();
        const users = (await ok({ method: 'GET', url: '/v1/users?limit=200', as: h.admin })).items.map((u: { id: string }) => u.id);
        assert.ok(users.includes(p.id));
        const theirs = (await ok({ method: 'GET', url: `/v1/tokens?ownerUserId=${p.id}`, as: h.admin })).items.map((t: { id: string }) => t.id);
        assert.deepEqual(theirs.sort(), [p.own.token.id, p.inTeam.token.id, p.personalId].sort());
        const all = (await ok({ method: 'GET', url: '/v1/tokens?all=true&limit=200', as: h.admin })).items.map((t: { id: string }) => t.id);
        assert.ok(theirs.every((id: string) => all.includes(id)));
        const member = await h.user(fresh());
        assert.equal((await h.request({ method: 'GET', url: '/v1/tokens?all=true', as: member.secret })).statusCode, 403);
        assert.deepEqual((await ok({ method: 'GET', url: `/v1/tokens?ownerUserId=${p.id}`, as: member.secret })).items, []);
        assert.equal((await h.request({ method: 'GET', url: '/v1/users', as: member.secret })).statusCode, 403);
      });
    });

    describe('names', () => {
      it('refuses a user name taken but for case with 409 USER_NAME_TAKEN, creating nothing', async () => {
        const name = `Zoë ${fresh()}`;
        await ok({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name } });
        const before = (await ok({ method: 'GET', url: '/v1/users?limit=200', as: h.admin })).items.length;
        const res = await h.request({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: name.toUpperCase() } });
        assert.equal(res.statusCode, 409);
        assert.equal(res.json().error.code, 'USER_NAME_TAKEN');
        assert.equal((await ok({ method: 'GET', url: '/v1/users?limit=200', as: h.admin })).items.length, before);
      });
    });
  },
  { events },
);
