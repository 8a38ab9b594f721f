import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSecret } from '../../src/core/secret.js';
import { createServices } from '../../src/service/services.js';
import { describeEachApp } from '../support/app-harness.js';
import { overrideMethod } from '../support/store-override.js';

await describeEachApp('native token API', (h) => {
  const create = (as: string, payload: Record<string, unknown>, url = '/v1/tokens') => h.request({ method: 'POST', url, as, payload });

  describe('happy paths', () => {
    it('creates a token and shows its secret once', async () => {
      const res = await create(h.admin, { name: 'ci deploy', scopes: ['deploy:*'], metadata: { plan: 'pro' } });
      assert.equal(res.statusCode, 201);
      const { token, secret } = res.json();
      assert.equal(parseSecret(secret)?.prefix, 'tsk');
      assert.equal(token.name, 'ci deploy');
      assert.equal(token.type, 'api');
      assert.equal(token.status, 'active');
      assert.equal(token.suffix, secret.slice(-4));
      assert.deepEqual(token.scopes, ['deploy:*']);
      assert.deepEqual(token.metadata, { plan: 'pro' });
      assert.equal('digest' in token, false);

      const read = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin });
      assert.equal(read.statusCode, 200);
      assert.equal(read.body.includes(secret), false, 'the secret is never shown again');
      assert.equal(read.json().token.id, token.id);
    });

    it('lists tokens newest first with a working cursor', async () => {
      const { secret } = await h.user('pager');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        h.clock.advance(1);
        ids.push((await create(secret, { name: `t${i}` })).json().token.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.request({ method: 'GET', url: `/v1/tokens?limit=2${cursor ? `&cursor=${cursor}` : ''}`, as: secret });
        assert.equal(res.statusCode, 200);
        const page = res.json();
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((t: { id: string }) => t.id));
        cursor = page.nextCursor;
      } while (cursor);
      // The user's own personal token belongs to them too; it is the oldest.
      assert.deepEqual(seen.slice(0, 5), [...ids].reverse());
      assert.equal(seen.length, 6);
    });

    it('filters by type and status', async () => {
      const { secret } = await h.user('filterer');
      const keep = (await create(secret, { name: 'keep' })).json().token.id;
      const gone = (await create(secret, { name: 'gone' })).json().token.id;
      await h.request({ method: 'POST', url: `/v1/tokens/${gone}/revoke`, as: secret });
      const active = await h.request({ method: 'GET', url: '/v1/tokens?status=active&type=api', as: secret });
      assert.deepEqual(
        active.json().items.map((t: { id: string }) => t.id),
        [keep],
      );
      const revoked = await h.request({ method: 'GET', url: '/v1/tokens?status=revoked', as: secret });
      assert.deepEqual(
        revoked.json().items.map((t: { id: string }) => t.id),
        [gone],
      );
    });

    it('finds tokens by the start of their name (?q=, A-Z in either case) and pages through the matches', async () => {
      const { secret } = await h.user('searcher');
      const names = ['deploy web', 'deploy api', 'Deploy docs', 'ci deploy', 'deploy worker'];
      for (const name of names) {
        h.clock.advance(1);
        await create(secret, { name });
      }
      const list = async (url: string) => {
        const res = await h.request({ method: 'GET', url, as: secret });
        assert.equal(res.statusCode, 200);
        return res.json() as { items: Array<{ name: string }>; nextCursor: string | null };
      };
      assert.deepEqual(
        (await list('/v1/tokens?q=deploy')).items.map((t) => t.name),
        ['deploy worker', 'Deploy docs', 'deploy api', 'deploy web'],
      );
      assert.deepEqual(
        (await list(`/v1/tokens?q=${encodeURIComponent('DEPLOY d')}`)).items.map((t) => t.name),
        ['Deploy docs'],
      );
      assert.deepEqual((await list('/v1/tokens?q=ploy')).items, []);
      // An empty q filters nothing.
      assert.equal((await list('/v1/tokens?q=')).items.length, names.length + 1);
      const first = await list('/v1/tokens?q=deploy&limit=2');
      assert.deepEqual(
        first.items.map((t) => t.name),
        ['deploy worker', 'Deploy docs'],
      );
      const second = await list(`/v1/tokens?q=deploy&limit=2&cursor=${first.nextCursor}`);
      assert.deepEqual(
        second.items.map((t) => t.name),
        ['deploy api', 'deploy web'],
      );
      assert.equal(second.nextCursor, null);
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens?q=${'x'.repeat(201)}`, as: secret })).statusCode, 400);
    });

    it('filters by owner (?ownerUserId=) only within what the caller may see anyway', async () => {
      const owner = await h.user('team-owner');
      const member = await h.user('team-member');
      const stranger = await h.user('stranger');
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'owners' } })).json().team;
      await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: owner.secret, payload: { userId: member.id, role: 'member' } });
      const ownersKey = (await create(owner.secret, { name: 'owner key', teamId: team.id })).json().token;
      const membersKey = (await create(member.secret, { name: 'member key', teamId: team.id })).json().token;
      const membersOwn = (await create(member.secret, { name: 'member own' })).json().token;
      const strangersOwn = (await create(stranger.secret, { name: 'stranger own' })).json().token;
      const ids = async (url: string, as: string) => {
        const res = await h.request({ method: 'GET', url, as });
        assert.equal(res.statusCode, 200, url);
        return res.json().items.map((t: { id: string }) => t.id) as string[];
      };

      assert.deepEqual(await ids(`/v1/tokens?teamId=${team.id}&ownerUserId=${member.id}`, owner.secret), [membersKey.id]);
      assert.deepEqual(await ids(`/v1/tokens?teamId=${team.id}&ownerUserId=${owner.id}`, member.secret), [ownersKey.id]);
      assert.deepEqual(await ids(`/v1/tokens?teamId=${team.id}&ownerUserId=${stranger.id}`, owner.secret), []);
      // Without a team the listing is the caller's own: another user's id finds nothing, never their tokens.
      assert.deepEqual(await ids(`/v1/tokens?ownerUserId=${stranger.id}`, member.secret), []);
      // An admin's listing is everyone's: the filter finds that user's tokens, in every team too (offboarding, issue 22).
      const strangers = (await h.request({ method: 'GET', url: `/v1/tokens?ownerUserId=${stranger.id}`, as: h.admin })).json().items as Array<{
        id: string;
        ownerUserId: string;
      }>;
      assert.ok(strangers.some((t) => t.id === strangersOwn.id));
      assert.ok(strangers.every((t) => t.ownerUserId === stranger.id));
      const members = await ids(`/v1/tokens?ownerUserId=${member.id}`, h.admin);
      assert.ok(members.includes(membersKey.id) && members.includes(membersOwn.id) && !members.includes(ownersKey.id));
      assert.ok((await ids(`/v1/tokens?ownerUserId=${member.id}`, member.secret)).includes(membersOwn.id));
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens?teamId=${team.id}&ownerUserId=${member.id}`, as: stranger.secret })).statusCode, 403);
    });

    it('renames, revokes and deletes', async () => {
      const { token, secret } = (await create(h.admin, { name: 'old name' })).json();
      const renamed = await h.request({ method: 'PATCH', url: `/v1/tokens/${token.id}`, as: h.admin, payload: { name: 'new name' } });
      assert.equal(renamed.statusCode, 200);
      assert.equal(renamed.json().token.name, 'new name');

      const revoked = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });
      assert.equal(revoked.statusCode, 200);
      assert.equal(revoked.json().token.status, 'revoked');
      assert.equal(revoked.json().token.revokedAt, h.clock.now());
      const verify = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } });
      assert.equal(verify.json().code, 'REVOKED');

      const deleted = await h.request({ method: 'DELETE', url: `/v1/tokens/${token.id}`, as: h.admin });
      assert.equal(deleted.statusCode, 204);
      const read = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin });
      assert.equal(read.statusCode, 404);
      assert.equal(read.json().error.code, 'TOKEN_NOT_FOUND');
      const after = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } });
      assert.equal(after.json().code, 'NOT_FOUND');
    });

    it('rotates: the old secret verifies through the grace period, then answers REVOKED', async () => {
      const { token, secret: oldSecret } = (await create(h.admin, { name: 'rotating', scopes: ['a'] })).json();
      const res = await h.request({
        method: 'POST',
        url: `/v1/tokens/${token.id}/rotate`,
        as: h.admin,
        payload: { gracePeriodMs: 60_000 },
      });
      assert.equal(res.statusCode, 201);
      const { token: fresh, secret: newSecret } = res.json();
      assert.notEqual(newSecret, oldSecret);
      assert.notEqual(fresh.id, token.id);
      assert.equal(fresh.rotatedFromId, token.id);
      assert.deepEqual(fresh.scopes, ['a']);
      const verify = (t: string) => h.request({ method: 'POST', url: '/v1/verify', payload: { token: t } });
      assert.equal((await verify(oldSecret)).json().code, 'VALID');
      assert.equal((await verify(newSecret)).json().code, 'VALID');
      h.clock.advance(60_000);
      assert.equal((await verify(oldSecret)).json().code, 'REVOKED');
      assert.equal((await verify(newSecret)).json().code, 'VALID');
    });

    it('rotates with no body at all, revoking the old secret at once', async () => {
      const { token, secret } = (await create(h.admin, { name: 'bare rotate' })).json();
      const res = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: h.admin });
      assert.equal(res.statusCode, 201);
      const verify = await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } });
      assert.equal(verify.json().code, 'REVOKED');
    });

    it('issues personal tokens that can call the management API', async () => {
      const { secret } = (await create(h.admin, { name: 'mine', type: 'personal' })).json();
      assert.equal(parseSecret(secret)?.prefix, 'tsr');
      const who = await h.request({ method: 'GET', url: '/v1/whoami', as: secret });
      assert.equal(who.statusCode, 200);
      assert.equal(who.json().user.role, 'admin');
    });
  });

  describe('errors', () => {
    const invalidBodies: Array<[string, Record<string, unknown>, string]> = [
      ['empty name', { name: '' }, 'body.name'],
      ['name too long', { name: 'x'.repeat(201) }, 'body.name'],
      ['missing name', {}, 'body.name'],
      ['unknown property', { name: 'x', colour: 'red' }, 'body.colour'],
      ['unknown type', { name: 'x', type: 'root' }, 'body.type'],
      ['bad scope', { name: 'x', scopes: ['has space'] }, 'body.scopes.0'],
      ['expiry in the past', { name: 'x', expiresAt: 1000 }, 'expiresAt'],
      ['expiry not a number', { name: 'x', expiresAt: 'tomorrow' }, 'body.expiresAt'],
      ['metadata not an object', { name: 'x', metadata: [1] }, 'body.metadata'],
      ['metadata over 16 kB', { name: 'x', metadata: { blob: 'x'.repeat(17 * 1024) } }, 'metadata'],
      ['bad CIDR', { name: 'x', ipAllowlist: ['10.0.0.0/33'] }, 'ipAllowlist.0'],
      ['resource without id', { name: 'x', resource: { kind: 'edge-config' } }, 'body.resource.id'],
    ];
    for (const [what, payload, field] of invalidBodies) {
      it(`rejects ${what} with 400 naming ${field}, storing nothing`, async () => {
        const before = await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin });
        const res = await create(h.admin, payload);
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'VALIDATION_ERROR');
        assert.match(res.json().error.message, new RegExp(field.replace(/\./g, '\\.')));
        const after = await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin });
        assert.deepEqual(after.json().items, before.json().items);
      });
    }

    it('answers 404 for an unknown token id on every route', async () => {
      const url = '/v1/tokens/tok_doesnotexist';
      for (const [method, suffix, payload] of [
        ['GET', '', undefined],
        ['PATCH', '', { name: 'x' }],
        ['POST', '/revoke', undefined],
        ['POST', '/rotate', {}],
        ['DELETE', '', undefined],
      ] as const) {
        const res = await h.request({ method, url: url + suffix, as: h.admin, payload });
        assert.equal(res.statusCode, 404, `${method} ${suffix}`);
        assert.equal(res.json().error.code, 'TOKEN_NOT_FOUND');
      }
    });

    it('refuses to rotate a revoked token with 409', async () => {
      const { token } = (await create(h.admin, { name: 'dead' })).json();
      await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: h.admin });
      const res = await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: h.admin, payload: {} });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().error.code, 'CONFLICT');
    });

    it('keeps what another call changed between a rotation reading the token and writing: the successor is suspended and narrowed too', async () => {
      const { token } = (await create(h.admin, { name: 'raced', scopes: ['a', 'b'] })).json();
      let raced = 0;
      // Another node suspends and narrows the token after this rotation read it, before it writes.
      const tokens = overrideMethod(h.stores.tokens, 'rotate', (rotate) => async (old, revokeOldAt, now, replacement) => {
        if (raced++ === 0) {
          await h.stores.tokens.update(old.id, { scopes: ['a'] }, now + 1);
          await h.stores.tokens.setDisabled(old.id, now + 1, now + 1);
        }
        return rotate(old, revokeOldAt, now, replacement);
      });
      const { services } = createServices({ ...h.stores, tokens }, { runtime: h.clock });
      const admin = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json();
      const ctx = { principal: { user: admin.user, token: admin.token }, ip: null, requestId: null };
      const { token: successor, secret } = await services.tokens.rotate(ctx, token.id, {});
      assert.equal(raced, 2, 'the rotation read the token again and wrote once more');
      assert.deepEqual(successor.scopes, ['a']);
      assert.notEqual(successor.disabledAt, null);
      assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } })).json().code, 'DISABLED');
    });

    it('rejects an empty PATCH', async () => {
      const { token } = (await create(h.admin, { name: 'patchme' })).json();
      const res = await h.request({ method: 'PATCH', url: `/v1/tokens/${token.id}`, as: h.admin, payload: {} });
      assert.equal(res.statusCode, 400);
    });
  });

  describe('security', () => {
    it('needs a credential: 401 with WWW-Authenticate', async () => {
      for (const [method, url] of [
        ['GET', '/v1/tokens'],
        ['POST', '/v1/tokens'],
        ['GET', '/v1/tokens/tok_x'],
        ['GET', '/v1/whoami'],
        ['GET', '/v1/audit'],
      ] as const) {
        const res = await h.request({ method, url, payload: method === 'POST' ? { name: 'x' } : undefined });
        assert.equal(res.statusCode, 401, url);
        assert.equal(res.json().error.code, 'UNAUTHORIZED');
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
    });

    it('accepts Bearer, a bare Authorization header and ?token=', async () => {
      const bearer = await h.request({ method: 'GET', url: '/v1/whoami', headers: { authorization: `Bearer ${h.admin}` } });
      const bare = await h.request({ method: 'GET', url: '/v1/whoami', headers: { authorization: h.admin } });
      const query = await h.request({ method: 'GET', url: `/v1/whoami?token=${h.admin}` });
      assert.deepEqual([bearer.statusCode, bare.statusCode, query.statusCode], [200, 200, 200]);
    });

    it('rejects made-up, mistyped, revoked and expired credentials with 401', async () => {
      const { token: revokedToken, secret: revoked } = (await create(h.admin, { name: 'r', type: 'personal' })).json();
      await h.request({ method: 'POST', url: `/v1/tokens/${revokedToken.id}/revoke`, as: h.admin });
      const { secret: expiring } = (await create(h.admin, { name: 'e', type: 'personal', expiresAt: h.clock.now() + 1000 })).json();
      assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', as: expiring })).statusCode, 200);
      h.clock.advance(1000);
      const mistyped = h.admin.slice(0, -1) + (h.admin.endsWith('a') ? 'b' : 'a');
      for (const credential of ['tsr_madeup', mistyped, revoked, expiring]) {
        const res = await h.request({ method: 'GET', url: '/v1/tokens', as: credential });
        assert.equal(res.statusCode, 401, credential.slice(0, 8));
        assert.equal(res.json().error.code, 'UNAUTHORIZED');
      }
    });

    it('refuses an api token as a management credential with 403', async () => {
      const { secret } = (await create(h.admin, { name: 'api key' })).json();
      const res = await h.request({ method: 'GET', url: '/v1/tokens', as: secret });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'FORBIDDEN');
    });

    it("hides another user's token: 404 on read and on every change, and nothing changes", async () => {
      const alice = await h.user('alice');
      const bob = await h.user('bob');
      const { token, secret } = (await create(alice.secret, { name: "alice's" })).json();
      for (const [method, suffix, payload] of [
        ['GET', '', undefined],
        ['PATCH', '', { name: 'stolen' }],
        ['POST', '/revoke', undefined],
        ['POST', '/rotate', {}],
        ['DELETE', '', undefined],
      ] as const) {
        const res = await h.request({ method, url: `/v1/tokens/${token.id}${suffix}`, as: bob.secret, payload });
        assert.equal(res.statusCode, 404, `${method} ${suffix}`);
      }
      const list = await h.request({ method: 'GET', url: '/v1/tokens', as: bob.secret });
      assert.equal(
        list.json().items.some((t: { id: string }) => t.id === token.id),
        false,
      );
      const still = await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: alice.secret });
      assert.equal(still.json().token.name, "alice's");
      assert.equal((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } })).json().code, 'VALID');
    });

    it('lets only admins issue tokens for another user', async () => {
      const carol = await h.user('carol');
      const dave = await h.user('dave');
      const res = await create(carol.secret, { name: 'for dave', type: 'personal', ownerUserId: dave.id });
      assert.equal(res.statusCode, 403);
    });

    it('refuses to act for a team the caller is not in (403), and viewers may read but not write', async () => {
      const owner = await h.user('owner');
      const viewer = await h.user('viewer');
      const outsider = await h.user('outsider');
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'acme' } })).json().team;
      await h.request({
        method: 'POST',
        url: `/v1/teams/${team.id}/members`,
        as: owner.secret,
        payload: { userId: viewer.id, role: 'viewer' },
      });
      const teamToken = (await create(owner.secret, { name: 'team key', teamId: team.id })).json().token;
      assert.equal(teamToken.teamId, team.id);

      for (const url of [`/v1/tokens?teamId=${team.id}`, '/v1/tokens?slug=acme']) {
        const denied = await h.request({ method: 'GET', url, as: outsider.secret });
        assert.equal(denied.statusCode, 403);
        const allowed = await h.request({ method: 'GET', url, as: viewer.secret });
        assert.deepEqual(
          allowed.json().items.map((t: { id: string }) => t.id),
          [teamToken.id],
        );
      }
      assert.equal((await create(outsider.secret, { name: 'sneak', teamId: team.id })).statusCode, 403);
      assert.equal((await create(viewer.secret, { name: 'sneak', teamId: team.id })).statusCode, 403);
      const revoke = await h.request({ method: 'POST', url: `/v1/tokens/${teamToken.id}/revoke`, as: viewer.secret });
      assert.equal(revoke.statusCode, 403);
      const read = await h.request({ method: 'GET', url: `/v1/tokens/${teamToken.id}`, as: viewer.secret });
      assert.equal(read.json().token.status, 'active');
    });
  });
});
