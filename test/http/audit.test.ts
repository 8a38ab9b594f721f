import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachApp } from '../support/app-harness.js';

await describeEachApp('GET /v1/audit', (h) => {
  it('records who did what to which token, from where, and never a secret', async () => {
    const kim = await h.user('kim');
    const created = await h.request({
      method: 'POST',
      url: '/v1/tokens',
      as: kim.secret,
      payload: { name: 'audited' },
      remoteAddress: '203.0.113.7',
    });
    const { token, secret } = created.json();
    await h.request({ method: 'PATCH', url: `/v1/tokens/${token.id}`, as: kim.secret, payload: { name: 'renamed' } });
    const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: kim.secret, payload: { gracePeriodMs: 1000 } });
    const fresh = rotated.json();
    await h.request({ method: 'POST', url: `/v1/tokens/${fresh.token.id}/revoke`, as: kim.secret });
    await h.request({ method: 'DELETE', url: `/v1/tokens/${fresh.token.id}`, as: kim.secret });

    const res = await h.request({ method: 'GET', url: '/v1/audit?limit=200', as: kim.secret });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body.includes(secret), false);
    assert.equal(res.body.includes(fresh.secret), false);
    const events = res.json().items as Array<Record<string, unknown>>;
    const mine = events.filter((e) => e.targetId === token.id || e.targetId === fresh.token.id).reverse();
    assert.deepEqual(
      mine.map((e) => e.action),
      ['token.create', 'token.update', 'token.rotate', 'token.revoke', 'token.delete'],
    );
    assert.equal(mine[0]!.actorUserId, kim.id);
    assert.equal(mine[0]!.ip, '203.0.113.7');
    assert.match(String(mine[0]!.requestId), /^req_/);
    assert.deepEqual((mine[1]!.details as { changed: string[] }).changed, ['name']);
    assert.equal((mine[2]!.details as { rotatedFromId: string }).rotatedFromId, token.id);
  });

  it('shows members their own events and what others did to their tokens, admins everything', async () => {
    const lee = await h.user('lee');
    const max = await h.user('max');
    const { token } = (await h.request({ method: 'POST', url: '/v1/tokens', as: lee.secret, payload: { name: 'lees' } })).json();
    await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });

    const leeSees = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${token.id}`, as: lee.secret })).json().items;
    assert.deepEqual(
      leeSees.map((e: { action: string }) => e.action),
      ['token.revoke', 'token.create'],
    );
    const maxSees = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${token.id}`, as: max.secret })).json().items;
    assert.deepEqual(maxSees, []);
    const adminSees = (await h.request({ method: 'GET', url: '/v1/audit?action=token.revoke', as: h.admin })).json().items;
    assert.ok(adminSees.some((e: { targetId: string }) => e.targetId === token.id));
  });

  it("shows a team's events to its members only", async () => {
    const nia = await h.user('nia');
    const oz = await h.user('oz');
    const team = (await h.request({ method: 'POST', url: '/v1/teams', as: nia.secret, payload: { slug: 'nia-co' } })).json().team;
    await h.request({ method: 'POST', url: '/v1/tokens', as: nia.secret, payload: { name: 'team token', teamId: team.id } });
    const seen = (await h.request({ method: 'GET', url: '/v1/audit?slug=nia-co', as: nia.secret })).json().items;
    assert.deepEqual(
      seen.map((e: { action: string }) => e.action),
      ['token.create', 'team.create'],
    );
    assert.equal((await h.request({ method: 'GET', url: '/v1/audit?slug=nia-co', as: oz.secret })).statusCode, 403);
  });

  it('names who acted and on what, and filters by actor and time', async () => {
    const pia = await h.user('pia');
    const quinn = await h.user('quinn');
    const team = (await h.request({ method: 'POST', url: '/v1/teams', as: pia.secret, payload: { slug: 'pia-co', name: 'Pia & Co' } })).json().team;
    await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: pia.secret, payload: { userId: quinn.id, role: 'viewer' } });
    const before = h.clock.now();
    h.clock.advance(60_000);
    const { token } = (await h.request({ method: 'POST', url: '/v1/tokens', as: pia.secret, payload: { name: 'ci deploy', teamId: team.id } })).json();
    await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });
    const gone = (await h.request({ method: 'POST', url: '/v1/tokens', as: pia.secret, payload: { name: 'short lived' } })).json().token;
    await h.request({ method: 'POST', url: `/v1/tokens/${gone.id}/revoke`, as: pia.secret });
    await h.request({ method: 'DELETE', url: `/v1/tokens/${gone.id}`, as: pia.secret });

    type Named = { action: string; actorUserId: string; actorName: string; targetName: string | null; subjectName: string | null; targetId: string };
    const seen: Named[] = (await h.request({ method: 'GET', url: `/v1/audit?teamId=${team.id}`, as: quinn.secret })).json().items;
    assert.deepEqual(
      seen.map((e) => [e.action, e.actorName, e.targetName, e.subjectName]),
      [
        ['token.revoke', 'admin', 'ci deploy', 'pia'],
        ['token.create', 'pia', 'ci deploy', 'pia'],
        ['team.member.add', 'pia', 'Pia & Co', 'quinn'],
        ['team.create', 'pia', 'Pia & Co', null],
      ],
    );
    // A deleted token keeps the name its creation recorded.
    const deleted: Named[] = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${gone.id}`, as: pia.secret })).json().items;
    assert.deepEqual(
      deleted.map((e) => [e.action, e.targetName]),
      [
        ['token.delete', 'short lived'],
        ['token.revoke', 'short lived'],
        ['token.create', 'short lived'],
      ],
    );

    const byPia: Named[] = (await h.request({ method: 'GET', url: `/v1/audit?teamId=${team.id}&actorUserId=${pia.id}`, as: pia.secret })).json().items;
    assert.deepEqual(
      byPia.map((e) => e.action),
      ['token.create', 'team.member.add', 'team.create'],
    );
    const later: Named[] = (await h.request({ method: 'GET', url: `/v1/audit?teamId=${team.id}&from=${before + 1}`, as: pia.secret })).json().items;
    assert.deepEqual(
      later.map((e) => e.action),
      ['token.revoke', 'token.create'],
    );
    const earlier: Named[] = (await h.request({ method: 'GET', url: `/v1/audit?teamId=${team.id}&to=${before + 1}`, as: pia.secret })).json().items;
    assert.deepEqual(
      earlier.map((e) => e.action),
      ['team.member.add', 'team.create'],
    );
    // Filters never widen what a member sees: quinn asking for the admin's actions outside the team sees only those on quinn's own things.
    const adminsActs: Named[] = (await h.request({ method: 'GET', url: `/v1/audit?actorUserId=${seen[0]!.actorUserId}`, as: quinn.secret })).json().items;
    assert.deepEqual(
      adminsActs.map((e) => [e.action, e.subjectName]),
      [
        ['token.create', 'quinn'],
        ['user.create', 'quinn'],
      ],
    );
    for (const bad of ['from=yesterday', 'to=-1', 'from=1.5', `actorUserId=${'u'.repeat(65)}`, 'actorUserId=x&actorUserId=y']) {
      const refused = await h.request({ method: 'GET', url: `/v1/audit?${bad}`, as: pia.secret });
      assert.equal(refused.statusCode, 400, bad);
      assert.equal(refused.json().error.code, 'VALIDATION_ERROR', bad);
    }
  });
});
