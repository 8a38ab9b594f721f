import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachApp } from '../support/app-harness.js';

await describeEachApp('users, teams and whoami', (h) => {
  it('whoami names the user, the token and the teams', async () => {
    const me = await h.user('erin');
    await h.request({ method: 'POST', url: '/v1/teams', as: me.secret, payload: { slug: 'erins', name: "Erin's" } });
    const res = await h.request({ method: 'GET', url: '/v1/whoami', as: me.secret });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.user.id, me.id);
    assert.equal(body.user.role, 'member');
    assert.equal(body.token.type, 'personal');
    assert.deepEqual(
      body.teams.map((t: { team: { slug: string }; role: string }) => [t.team.slug, t.role]),
      [['erins', 'owner']],
    );
  });

  it('admins create and list users with increasing numeric ids; members may not', async () => {
    const a = await h.request({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: 'n1', email: 'n1@example.com' } });
    const b = await h.request({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: 'n2' } });
    assert.equal(a.statusCode, 201);
    assert.ok(b.json().user.numId > a.json().user.numId);
    const dup = await h.request({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: 'n3', email: 'n1@example.com' } });
    assert.equal(dup.statusCode, 409);
    const bad = await h.request({ method: 'POST', url: '/v1/users', as: h.admin, payload: { name: 'n4', email: 'not-an-email' } });
    assert.equal(bad.statusCode, 400);

    const member = await h.user('frank');
    assert.equal((await h.request({ method: 'POST', url: '/v1/users', as: member.secret, payload: { name: 'x' } })).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: '/v1/users', as: member.secret })).statusCode, 403);
    const list = await h.request({ method: 'GET', url: '/v1/users?limit=200', as: h.admin });
    const names = list.json().items.map((u: { name: string }) => u.name);
    for (const name of ['admin', 'n1', 'n2', 'frank']) assert.ok(names.includes(name), name);
  });

  it('teams: slug conflicts are 409, bad slugs 400, and only owners add members', async () => {
    const owner = await h.user('gina');
    const other = await h.user('hal');
    const created = await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'gina-team' } });
    assert.equal(created.statusCode, 201);
    const team = created.json().team;
    assert.deepEqual(
      created.json().members.map((m: { userId: string; role: string }) => [m.userId, m.role]),
      [[owner.id, 'owner']],
    );
    const dup = await h.request({ method: 'POST', url: '/v1/teams', as: other.secret, payload: { slug: 'gina-team' } });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'CONFLICT');
    for (const slug of ['Upper', '-dash', 'a b', '']) {
      const bad = await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug } });
      assert.equal(bad.statusCode, 400, slug);
    }

    const byOther = await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: other.secret, payload: { userId: other.id } });
    assert.equal(byOther.statusCode, 403);
    const unknownUser = await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: owner.secret, payload: { userId: 'usr_nobody' } });
    assert.equal(unknownUser.statusCode, 404);
    assert.equal(unknownUser.json().error.code, 'USER_NOT_FOUND');
    const added = await h.request({ method: 'POST', url: '/v1/teams/gina-team/members', as: owner.secret, payload: { userId: other.id } });
    assert.equal(added.statusCode, 201);
    assert.equal(added.json().membership.role, 'member');
    const again = await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: owner.secret, payload: { userId: other.id } });
    assert.equal(again.statusCode, 409);
    // The dashboard shows members by name: a member (not an admin, who may not list users) reads them with the team.
    const withNames = await h.request({ method: 'GET', url: `/v1/teams/${team.id}`, as: other.secret });
    assert.deepEqual(
      withNames.json().members.map((m: { userId: string; name: string; role: string }) => [m.userId, m.name, m.role]),
      [
        [owner.id, 'gina', 'owner'],
        [other.id, 'hal', 'member'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );

    const seen = await h.request({ method: 'GET', url: '/v1/teams', as: other.secret });
    assert.deepEqual(
      seen.json().items.map((t: { slug: string }) => t.slug),
      ['gina-team'],
    );
    const read = await h.request({ method: 'GET', url: '/v1/teams/gina-team', as: other.secret });
    assert.equal(read.json().members.length, 2);
  });

  it('a non-member cannot read a team, known or unknown: 403 either way', async () => {
    const owner = await h.user('ivy');
    const stranger = await h.user('jack');
    await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'ivy-team' } });
    assert.equal((await h.request({ method: 'GET', url: '/v1/teams/ivy-team', as: stranger.secret })).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: '/v1/teams/no-such-team', as: stranger.secret })).statusCode, 403);
  });
});
