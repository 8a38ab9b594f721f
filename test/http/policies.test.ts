import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { DAY_MS } from '../../src/core/lifecycle-policy.js';
import { RecordingEvents } from '../../src/service/event-publisher.js';
import { describeEachApp } from '../support/app-harness.js';

/** A refusal by a lifecycle policy: 400, its code, and a message that starts with the rule and its level. */
function assertRefusedBy(res: LightMyRequestResponse, rule: string, level: string): void {
  assert.equal(res.statusCode, 400, res.body);
  const { error } = res.json();
  assert.equal(error.code, 'POLICY_VIOLATION');
  assert.ok(error.message.startsWith(`${rule} (${level}):`), error.message);
}

await describeEachApp('lifecycle policies over HTTP', (h) => {
  let n = 0;
  const team = async (): Promise<{ id: string; slug: string }> => {
    const slug = `pol-${++n}`;
    const res = await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug } });
    assert.equal(res.statusCode, 201, res.body);
    return { id: res.json().team.id, slug };
  };
  const setTeamPolicy = async (teamId: string, policy: object, as = h.admin) =>
    h.request({ method: 'PUT', url: `/v1/teams/${teamId}/policies`, as, payload: policy });
  const setInstallation = async (policy: object, as = h.admin) => h.request({ method: 'PUT', url: '/v1/policies', as, payload: policy });
  const create = (payload: object, teamId?: string, as = h.admin) =>
    h.request({ method: 'POST', url: `/v1/tokens${teamId ? `?teamId=${teamId}` : ''}`, as, payload: { name: `t${++n}`, ...payload } });
  const tokensOf = async (teamId: string) =>
    (await h.request({ method: 'GET', url: `/v1/tokens?teamId=${teamId}&limit=200`, as: h.admin })).json().items.length as number;
  const inDays = (days: number) => h.clock.now() + days * DAY_MS;
  /** Every test leaves the installation as it found it: without rules. */
  const withInstallation = async (policy: object, body: () => Promise<void>) => {
    assert.equal((await setInstallation(policy)).statusCode, 200);
    try {
      await body();
    } finally {
      assert.equal((await setInstallation({})).statusCode, 200);
    }
  };

  it('maxLifetime: a team`s limit refuses a longer or endless token on create, and names itself; a shorter one is made', async () => {
    const acme = await team();
    assert.equal((await setTeamPolicy(acme.id, { maxLifetime: { api: 90 } })).statusCode, 200);
    assertRefusedBy(await create({ expiresAt: inDays(91) }, acme.id), 'maxLifetime', `team ${acme.slug}`);
    const endless = await create({}, acme.id);
    assertRefusedBy(endless, 'maxLifetime', `team ${acme.slug}`);
    assert.match(endless.json().error.message, /90 days/);
    assert.equal(await tokensOf(acme.id), 0, 'nothing stored for a refused token');
    assert.equal((await create({ expiresAt: inDays(90) }, acme.id)).statusCode, 201);
    // Other types and other teams are not bound by it.
    assert.equal((await create({ type: 'personal' }, acme.id)).statusCode, 201);
    assert.equal((await create({}, (await team()).id)).statusCode, 201);
  });

  it('maxLifetime: holds on rotate (the new token is new) and on an update of the expiry, not on a rename', async () => {
    const acme = await team();
    const old = (await create({}, acme.id)).json().token;
    await setTeamPolicy(acme.id, { maxLifetime: { api: 30 } });
    assertRefusedBy(await h.request({ method: 'POST', url: `/v1/tokens/${old.id}/rotate`, as: h.admin }), 'maxLifetime', `team ${acme.slug}`);
    assert.equal(
      (await h.request({ method: 'GET', url: `/v1/tokens/${old.id}`, as: h.admin })).json().token.revokedAt,
      null,
      'a refused rotation retires nothing',
    );
    const renamed = await h.request({ method: 'PATCH', url: `/v1/tokens/${old.id}`, as: h.admin, payload: { name: 'still endless' } });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assertRefusedBy(
      await h.request({ method: 'PATCH', url: `/v1/tokens/${old.id}`, as: h.admin, payload: { expiresAt: inDays(31) } }),
      'maxLifetime',
      `team ${acme.slug}`,
    );
    const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${old.id}/rotate`, as: h.admin, payload: { expiresAt: inDays(30) } });
    assert.equal(rotated.statusCode, 201, rotated.body);
    const successor = rotated.json().token;
    // An update counts the lifetime from the token's creation.
    h.clock.advance(20 * DAY_MS);
    assertRefusedBy(
      await h.request({ method: 'PATCH', url: `/v1/tokens/${successor.id}`, as: h.admin, payload: { expiresAt: inDays(11) } }),
      'maxLifetime',
      `team ${acme.slug}`,
    );
    assert.equal((await h.request({ method: 'PATCH', url: `/v1/tokens/${successor.id}`, as: h.admin, payload: { expiresAt: inDays(9) } })).statusCode, 200);
  });

  it('expiryRequired: the installation`s rule refuses a personal token without an expiry, also through Vercel`s API', async () => {
    const member = await h.user(`exp-${++n}`);
    await withInstallation({ expiryRequired: ['personal'] }, async () => {
      assertRefusedBy(await create({ type: 'personal' }, undefined, member.secret), 'expiryRequired', 'installation');
      const vercel = await h.request({ method: 'POST', url: '/v3/user/tokens', as: member.secret, payload: { name: 'cli' } });
      assert.equal(vercel.statusCode, 400, vercel.body);
      assert.equal(vercel.json().error.code, 'bad_request', "Vercel's shape");
      assert.ok(vercel.json().error.message.startsWith('expiryRequired (installation):'), vercel.json().error.message);
      const ok = await h.request({ method: 'POST', url: '/v3/user/tokens', as: member.secret, payload: { name: 'cli', expiresAt: inDays(5) } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal((await create({ type: 'personal', expiresAt: inDays(400) }, undefined, member.secret)).statusCode, 201);
    });
  });

  it('allowedScopes: refuses scopes no pattern covers on create, update and rotate, naming them', async () => {
    const acme = await team();
    const wide = (await create({ scopes: ['*'] }, acme.id)).json().token;
    assert.equal((await setTeamPolicy(acme.id, { allowedScopes: ['documents:*'] })).statusCode, 200);
    const star = await create({ scopes: ['*'] }, acme.id);
    assertRefusedBy(star, 'allowedScopes', `team ${acme.slug}`);
    assert.match(star.json().error.message, /\*/);
    const made = await create({ scopes: ['documents:read'] }, acme.id);
    assert.equal(made.statusCode, 201, made.body);
    assertRefusedBy(
      await h.request({ method: 'PATCH', url: `/v1/tokens/${made.json().token.id}`, as: h.admin, payload: { scopes: ['billing:read'] } }),
      'allowedScopes',
      `team ${acme.slug}`,
    );
    assertRefusedBy(await h.request({ method: 'POST', url: `/v1/tokens/${wide.id}/rotate`, as: h.admin }), 'allowedScopes', `team ${acme.slug}`);
    const narrowed = await h.request({ method: 'PATCH', url: `/v1/tokens/${wide.id}`, as: h.admin, payload: { scopes: ['documents:write'] } });
    assert.equal(narrowed.statusCode, 200, narrowed.body);
    assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${wide.id}/rotate`, as: h.admin })).statusCode, 201);
  });

  it('an installation that forbids `*` refuses a personal token inheriting it, through Vida`s API too', async () => {
    const member = await h.user(`vida-${++n}`);
    await withInstallation({ allowedScopes: ['tokens:*', 'credits:*'] }, async () => {
      assertRefusedBy(await create({ type: 'personal' }, undefined, member.secret), 'allowedScopes', 'installation');
      // Vida's tokens inherit the maker's scopes: the member's `*`.
      const vida = await h.request({ method: 'POST', url: '/api/v2/tokens', as: member.secret, payload: { description: 'ci' } });
      assert.equal(vida.statusCode, 400, vida.body);
      assert.equal(vida.json().success, false, "Vida's shape");
      assert.ok(vida.json().message.startsWith('allowedScopes (installation):'), vida.json().message);
      const narrow = await create({ type: 'personal', scopes: ['tokens:read'] }, undefined, member.secret);
      assert.equal(narrow.statusCode, 201, narrow.body);
    });
  });

  it('both levels hold: the stricter wins, and is named', async () => {
    const acme = await team();
    await setTeamPolicy(acme.id, { maxLifetime: { api: 90 } });
    await withInstallation({ maxLifetime: { api: 30 } }, async () => {
      const res = await create({ expiresAt: inDays(60) }, acme.id);
      assertRefusedBy(res, 'maxLifetime', 'installation');
      assert.match(res.json().error.message, /30 days/);
      assert.equal((await create({ expiresAt: inDays(30) }, acme.id)).statusCode, 201);
      const effective = (await h.request({ method: 'GET', url: `/v1/teams/${acme.id}/policies`, as: h.admin })).json();
      assert.deepEqual(effective.policy, { maxLifetime: { api: 90 } });
      assert.deepEqual(effective.effective.maxLifetime, { api: 30 });
    });
  });

  it('reads and sets policies: admins the installation`s, team owners their team`s; members read; audited', async () => {
    const owner = await h.user(`own-${++n}`);
    const member = await h.user(`mem-${++n}`);
    const slug = `pol-${++n}`;
    const teamId = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug } })).json().team.id;
    await h.request({ method: 'POST', url: `/v1/teams/${teamId}/members`, as: owner.secret, payload: { userId: member.id, role: 'member' } });

    const set = await setTeamPolicy(teamId, { inactivityDays: 30, inactivityWarningDays: 5 }, owner.secret);
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json().policy, { inactivityDays: 30, inactivityWarningDays: 5 });
    assert.equal(set.json().updatedBy, owner.id);
    const read = await h.request({ method: 'GET', url: `/v1/teams/${slug}/policies`, as: member.secret });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json().policy, { inactivityDays: 30, inactivityWarningDays: 5 });
    assert.equal((await setTeamPolicy(teamId, {}, member.secret)).statusCode, 403);
    assert.equal((await setInstallation({ inactivityDays: 1 }, owner.secret)).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: '/v1/policies', as: member.secret })).statusCode, 200);
    assert.deepEqual((await h.request({ method: 'GET', url: '/v1/policies', as: member.secret })).json().policy, {});

    const audit = (await h.request({ method: 'GET', url: `/v1/audit?action=policy.update&targetId=${teamId}`, as: h.admin })).json().items;
    assert.equal(audit.length, 1);
    assert.equal(audit[0].actorUserId, owner.id);
    assert.deepEqual(audit[0].details.policy, { inactivityDays: 30, inactivityWarningDays: 5 });
    await withInstallation({ expiryRequired: ['api'] }, async () => {
      const installationAudit = (await h.request({ method: 'GET', url: '/v1/audit?action=policy.update&targetId=installation', as: h.admin })).json().items;
      assert.deepEqual(installationAudit[0].details.policy, { expiryRequired: ['api'] });
    });
  });

  it('refuses an unsound policy with 400 and keeps the one before', async () => {
    const acme = await team();
    await setTeamPolicy(acme.id, { maxLifetime: { api: 10 } });
    for (const bad of [
      { inactivityDays: 5, inactivityWarningDays: 5 },
      { inactivityWarningDays: 2 },
      { maxLifetime: { api: 0 } },
      { maxLifetime: { other: 3 } },
      { maxLifetime: { api: 1.5 } },
      { expiryRequired: ['root'] },
      { allowedScopes: ['no spaces'] },
      { inactivityDays: -1 },
      { unknown: true },
    ]) {
      const res = await setTeamPolicy(acme.id, bad);
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.equal(res.json().error.code, 'VALIDATION_ERROR', JSON.stringify(bad));
    }
    assert.deepEqual((await h.request({ method: 'GET', url: `/v1/teams/${acme.id}/policies`, as: h.admin })).json().policy, { maxLifetime: { api: 10 } });
  });
});

const recorded = new RecordingEvents();
await describeEachApp(
  'the inactivity sweep of a policy set over HTTP',
  (h) => {
    it('warns of, then revokes, a team`s unused token: the event, the audit entry, and verification all say so', async () => {
      const slug = `idle-${h.clock.now().toString(36)}`;
      const teamId = (await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug } })).json().team.id;
      const set = await h.request({
        method: 'PUT',
        url: `/v1/teams/${teamId}/policies`,
        as: h.admin,
        payload: { inactivityDays: 10, inactivityWarningDays: 2 },
      });
      assert.equal(set.statusCode, 200, set.body);
      const idle = (await h.request({ method: 'POST', url: `/v1/tokens?teamId=${teamId}`, as: h.admin, payload: { name: 'idle' } })).json();
      const busy = (await h.request({ method: 'POST', url: `/v1/tokens?teamId=${teamId}`, as: h.admin, payload: { name: 'busy' } })).json();
      const sweep = () => h.background.sweep!.sweep();
      const useBusy = async () => {
        assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: busy.secret } })).json().code, 'VALID');
        await h.background.usage.flush();
      };
      const mine = (type: string) => recorded.published.filter((e) => e.type === type && (e.subject === idle.token.id || e.subject === busy.token.id));

      h.clock.advance(7 * DAY_MS);
      await useBusy();
      assert.deepEqual(await sweep(), { warned: [], revoked: [] }, 'not yet within the warning days');
      h.clock.advance(DAY_MS);
      assert.deepEqual(await sweep(), { warned: [idle.token.id], revoked: [] });
      const [warning, ...more] = mine('token.inactive');
      assert.ok(warning);
      assert.deepEqual([warning.subject, more.length], [idle.token.id, 0]);
      assert.equal(warning.data.level, `team ${slug}`);
      assert.equal(warning.data.revokeAt, idle.token.createdAt + 10 * DAY_MS);
      assert.equal(JSON.stringify(warning.data).includes(idle.secret), false, 'no secret in an event');

      h.clock.advance(2 * DAY_MS);
      await useBusy();
      assert.deepEqual(await sweep(), { warned: [], revoked: [idle.token.id] });
      assert.deepEqual(
        mine('token.revoked').map((e) => [e.subject, e.data.reason]),
        [[idle.token.id, 'inactivity']],
      );
      assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: idle.secret } })).json().code, 'REVOKED');
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${busy.token.id}`, as: h.admin })).json().token.revokedAt, null);
      const audit = (await h.request({ method: 'GET', url: `/v1/audit?action=token.revoke&targetId=${idle.token.id}`, as: h.admin })).json().items;
      assert.equal(audit.length, 1);
      assert.equal(audit[0].actorUserId, null);
      assert.equal(audit[0].details.by, 'inactivity');
    });
  },
  { events: recorded },
);
