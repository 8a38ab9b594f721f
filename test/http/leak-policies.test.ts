import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { RecordingEvents } from '../../src/service/event-publisher.js';
import { describeEachApp, type Harness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

const events = new RecordingEvents();
const HOUR = 3_600_000;

interface World {
  owner: { id: string; secret: string };
  member: { id: string; secret: string };
  team: string;
}

async function world(h: Harness): Promise<World> {
  const suffix = randomBytes(3).toString('hex');
  const owner = await h.user(`owner-${suffix}`);
  const member = await h.user(`member-${suffix}`);
  const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: `leaks-${suffix}` } })).json().team.id;
  await h.request({ method: 'POST', url: `/v1/teams/${team}/members`, as: owner.secret, payload: { userId: member.id, role: 'member' } });
  return { owner, member, team };
}

async function teamToken(h: Harness, w: World): Promise<{ id: string; secret: string }> {
  const res = await h.request({
    method: 'POST',
    url: `/v1/tokens?teamId=${w.team}`,
    as: w.member.secret,
    payload: { name: `k-${randomBytes(3).toString('hex')}` },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().token.id, secret: res.json().secret };
}

const verifyCode = async (h: Harness, token: string) => (await h.request({ method: 'POST', url: '/v1/verify', payload: { token } })).json().code as string;
const report = (h: Harness, token: string) =>
  h.request({
    method: 'POST',
    url: '/v1/leaks/report',
    payload: { token, url: 'https://paste.example/1' },
    remoteAddress: `10.9.${randomBytes(1)[0]}.${randomBytes(1)[0]}`,
  });
const setTeamPolicy = (h: Harness, w: World, as: string, payload: object) => h.request({ method: 'PUT', url: `/v1/teams/${w.team}/leak-policy`, as, payload });
const leakedEvents = (id: string) => events.published.filter((e) => e.type === 'token.leaked' && e.subject === id);

await describeEachApp(
  'leak policies',
  (h) => {
    it('reads revoke, inherited, for a team that set nothing and for the installation', async () => {
      const w = await world(h);
      const team = (await h.request({ method: 'GET', url: `/v1/teams/${w.team}/leak-policy`, as: w.member.secret })).json();
      assert.deepEqual(team, { teamId: w.team, action: 'revoke', gracePeriodMs: null, inherited: true, updatedAt: null, updatedBy: null });
      const fallback = (await h.request({ method: 'GET', url: '/v1/leak-policy', as: w.member.secret })).json();
      assert.deepEqual(fallback, { teamId: null, action: 'revoke', gracePeriodMs: null, inherited: true, updatedAt: null, updatedBy: null });
    });

    it("is set by the team's owner (audited), not by a member; refuses a policy that does not hold together and changes nothing", async () => {
      const w = await world(h);
      const refused = await setTeamPolicy(h, w, w.member.secret, { action: 'notify' });
      assert.equal(refused.statusCode, 403);
      const snapshot = await storeSnapshot(h);
      for (const payload of [
        { action: 'rotate' },
        { action: 'notify', gracePeriodMs: 1000 },
        { action: 'rotate', gracePeriodMs: -1 },
        { action: 'burn' },
        { action: 'rotate', gracePeriodMs: 31 * 24 * HOUR },
      ]) {
        const res = await setTeamPolicy(h, w, w.owner.secret, payload);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
      }
      assert.equal(await storeSnapshot(h), snapshot);
      const set = await setTeamPolicy(h, w, w.owner.secret, { action: 'rotate', gracePeriodMs: HOUR });
      assert.equal(set.statusCode, 200, set.body);
      const read = (await h.request({ method: 'GET', url: `/v1/teams/${w.team}/leak-policy`, as: w.member.secret })).json();
      assert.deepEqual(read, { teamId: w.team, action: 'rotate', gracePeriodMs: HOUR, inherited: false, updatedAt: h.clock.now(), updatedBy: w.owner.id });
      const audit = (await h.request({ method: 'GET', url: `/v1/audit?teamId=${w.team}&action=leak-policy.update`, as: w.owner.secret })).json().items;
      assert.deepEqual(
        audit.map((e: { actorUserId: string; targetId: string; details: object }) => [e.actorUserId, e.targetId, e.details]),
        [[w.owner.id, w.team, { action: 'rotate', gracePeriodMs: HOUR }]],
      );
    });

    it('revoke: the leaked token is refused at once; one token.leaked event', async () => {
      const w = await world(h);
      const token = await teamToken(h, w);
      assert.equal((await report(h, token.secret)).statusCode, 202);
      assert.equal(await verifyCode(h, token.secret), 'REVOKED');
      assert.deepEqual(
        leakedEvents(token.id).map((e) => (e.data as { action: string }).action),
        ['revoke'],
      );
    });

    it('notify: the token keeps working, marked leaked, with one token.leaked event; its owner can still rotate it', async () => {
      const w = await world(h);
      assert.equal((await setTeamPolicy(h, w, w.owner.secret, { action: 'notify' })).statusCode, 200);
      const token = await teamToken(h, w);
      await report(h, token.secret);
      await report(h, token.secret);
      assert.equal(await verifyCode(h, token.secret), 'VALID');
      const view = (await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: w.member.secret })).json().token;
      assert.equal(view.leakedAt, h.clock.now());
      assert.equal(view.revokedAt, null);
      assert.equal(view.status, 'active');
      assert.deepEqual(
        leakedEvents(token.id).map((e) => [e.teamId, (e.data as { action: string }).action]),
        [[w.team, 'notify']],
      );
      const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: w.member.secret, payload: {} });
      assert.equal(rotated.statusCode, 201, rotated.body);
    });

    it('rotate: the leaked secret works through the grace period, then not; a successor waits, whose secret its owner gets by rotating it', async () => {
      const w = await world(h);
      assert.equal((await setTeamPolicy(h, w, w.owner.secret, { action: 'rotate', gracePeriodMs: HOUR })).statusCode, 200);
      const token = await teamToken(h, w);
      await report(h, token.secret);
      const event = leakedEvents(token.id);
      assert.equal(event.length, 1);
      const successorId = (event[0]!.data as { replacementId: string }).replacementId;
      assert.match(successorId, /^tok_/);
      const successor = (await h.request({ method: 'GET', url: `/v1/tokens/${successorId}`, as: w.member.secret })).json().token;
      assert.equal(successor.rotatedFromId, token.id);
      assert.equal(successor.teamId, w.team);
      assert.equal(await verifyCode(h, token.secret), 'VALID', 'within the grace period');
      await report(h, token.secret);
      const old = (await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: w.member.secret })).json().token;
      assert.equal(old.revokedAt, h.clock.now() + HOUR, 'a second report changes nothing');
      const fresh = await h.request({ method: 'POST', url: `/v1/tokens/${successorId}/rotate`, as: w.member.secret, payload: {} });
      assert.equal(fresh.statusCode, 201, fresh.body);
      assert.equal(await verifyCode(h, fresh.json().secret), 'VALID');
      h.clock.advance(HOUR);
      assert.equal(await verifyCode(h, token.secret), 'REVOKED');
    });

    it('disable: the leaked token is suspended (DISABLED), not revoked, and its owner can resume it', async () => {
      const w = await world(h);
      assert.equal((await setTeamPolicy(h, w, w.owner.secret, { action: 'disable' })).statusCode, 200);
      const token = await teamToken(h, w);
      await report(h, token.secret);
      await report(h, token.secret);
      assert.equal(await verifyCode(h, token.secret), 'DISABLED');
      const view = (await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: w.member.secret })).json().token;
      assert.equal(view.revokedAt, null);
      assert.equal(view.leakedAt, h.clock.now());
      assert.deepEqual(
        leakedEvents(token.id).map((e) => (e.data as { action: string }).action),
        ['disable'],
      );
      assert.deepEqual(
        events.published.filter((e) => e.subject === token.id && e.type === 'token.disabled').map((e) => e.data.by),
        ['leak'],
      );
      const resumed = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/enable`, as: w.member.secret });
      assert.equal(resumed.statusCode, 200, resumed.body);
      assert.equal(await verifyCode(h, token.secret), 'VALID');
    });

    it("personal tokens follow the installation's default, set by admins only, not their team's policy", async () => {
      const w = await world(h);
      assert.equal((await setTeamPolicy(h, w, w.owner.secret, { action: 'notify' })).statusCode, 200);
      assert.equal((await h.request({ method: 'PUT', url: '/v1/leak-policy', as: w.owner.secret, payload: { action: 'notify' } })).statusCode, 403);
      const personal = await h.request({
        method: 'POST',
        url: `/v1/tokens?teamId=${w.team}`,
        as: w.member.secret,
        payload: { name: 'mine', type: 'personal' },
      });
      await report(h, personal.json().secret);
      assert.equal(await verifyCode(h, personal.json().secret), 'REVOKED', "the default, revoke; not the team's notify");
      const set = await h.request({ method: 'PUT', url: '/v1/leak-policy', as: h.admin, payload: { action: 'notify' } });
      assert.equal(set.statusCode, 200, set.body);
      const other = await h.request({ method: 'POST', url: '/v1/tokens', as: w.member.secret, payload: { name: 'mine too', type: 'personal' } });
      await report(h, other.json().secret);
      assert.equal(await verifyCode(h, other.json().secret), 'VALID');
      assert.equal((await h.request({ method: 'PUT', url: '/v1/leak-policy', as: h.admin, payload: { action: 'revoke' } })).statusCode, 200);
    });

    it("is cleared by the team's owner (audited, once): the team follows the default again, as the default changes; not by a member", async () => {
      const w = await world(h);
      const clear = (as: string) => h.request({ method: 'DELETE', url: `/v1/teams/${w.team}/leak-policy`, as });
      const clears = async () =>
        (await h.request({ method: 'GET', url: `/v1/audit?teamId=${w.team}&action=leak-policy.clear`, as: w.owner.secret })).json().items.length as number;
      assert.equal((await setTeamPolicy(h, w, w.owner.secret, { action: 'notify' })).statusCode, 200);
      const snapshot = await storeSnapshot(h);
      assert.equal((await clear(w.member.secret)).statusCode, 403);
      assert.equal(await storeSnapshot(h), snapshot, 'a member changes nothing');

      const cleared = await clear(w.owner.secret);
      assert.equal(cleared.statusCode, 200, cleared.body);
      assert.deepEqual(cleared.json(), { teamId: w.team, action: 'revoke', gracePeriodMs: null, inherited: true, updatedAt: null, updatedBy: null });
      assert.equal(await clears(), 1);
      const token = await teamToken(h, w);
      await report(h, token.secret);
      assert.equal(await verifyCode(h, token.secret), 'REVOKED', "the default's revoke, no longer the team's notify");

      assert.equal((await h.request({ method: 'PUT', url: '/v1/leak-policy', as: h.admin, payload: { action: 'disable' } })).statusCode, 200);
      const read = (await h.request({ method: 'GET', url: `/v1/teams/${w.team}/leak-policy`, as: w.member.secret })).json();
      assert.deepEqual([read.action, read.inherited], ['disable', true], 'it follows the default as it changes');
      assert.equal((await h.request({ method: 'PUT', url: '/v1/leak-policy', as: h.admin, payload: { action: 'revoke' } })).statusCode, 200);

      assert.equal((await clear(w.owner.secret)).statusCode, 200, 'clearing again is no error');
      assert.equal(await clears(), 1, 'and records nothing more');
    });
  },
  { events, leaks: { reportsPerMinute: 0 } },
);
