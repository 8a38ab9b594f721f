import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { issueToken, tokenFields } from '../../src/core/issue-token.js';
import { describeEachApp, type Harness } from '../support/app-harness.js';

/** A team `acme` owned by the admin with bob as `member`, and dave, who is in no team. */
let worlds = 0;
async function world(h: Harness) {
  // Each block makes its own world in the one store; user names are unique.
  const n = ++worlds;
  const bob = await h.user(`bob ${n}`);
  const dave = await h.user(`dave ${n}`);
  const team = (await h.request({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: `acme-${bob.id.slice(-6).toLowerCase()}` } })).json().team;
  await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: h.admin, payload: { userId: bob.id, role: 'member' } });
  return { bob, dave, team: team as { id: string; slug: string } };
}

/** A personal token of `as`'s user with the given fields; its id and secret. */
async function personal(h: Harness, as: string, payload: Record<string, unknown>) {
  const res = await h.request({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'personal', type: 'personal', ...payload } });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().token.id as string, secret: res.json().secret as string, token: res.json().token };
}

await describeEachApp('least privilege', (h) => {
  describe('C1: a personal token is a credential of its owner alone', () => {
    let w: Awaited<ReturnType<typeof world>>;
    let teamPersonal: { id: string; secret: string };
    before(async () => {
      w = await world(h);
      const vercel = await h.request({ method: 'POST', url: `/v3/user/tokens?teamId=${w.team.id}`, as: h.admin, payload: { name: 'admin in acme' } });
      assert.equal(vercel.statusCode, 200, vercel.body);
      teamPersonal = { id: vercel.json().token.id, secret: vercel.json().bearerToken };
    });

    it('a team member cannot rotate, read, change, revoke, fund or delete a teammate’s team-scoped personal token', async () => {
      const viaNative = await personal(h, h.admin, { teamId: w.team.id });
      for (const target of [teamPersonal, viaNative]) {
        const as = w.bob.secret;
        const attempts = [
          await h.request({ method: 'POST', url: `/v1/tokens/${target.id}/rotate`, as }),
          await h.request({ method: 'GET', url: `/v1/tokens/${target.id}`, as }),
          await h.request({ method: 'PATCH', url: `/v1/tokens/${target.id}`, as, payload: { name: 'mine now' } }),
          await h.request({ method: 'POST', url: `/v1/tokens/${target.id}/revoke`, as }),
          await h.request({ method: 'POST', url: `/v1/tokens/${target.id}/credits`, as, payload: { op: 'set', amount: '5' } }),
          await h.request({ method: 'DELETE', url: `/v1/tokens/${target.id}`, as }),
          await h.request({ method: 'GET', url: `/v5/user/tokens/${target.id}`, as }),
          await h.request({ method: 'DELETE', url: `/v3/user/tokens/${target.id}`, as }),
        ];
        for (const res of attempts) assert.equal(res.statusCode, 404, res.body);
        const whoami = await h.request({ method: 'GET', url: '/v1/whoami', as: target.secret });
        assert.equal(whoami.statusCode, 200, 'the admin’s token still works');
        assert.equal(whoami.json().user.role, 'admin');
      }
      const listed = await h.request({ method: 'GET', url: `/v1/tokens?teamId=${w.team.id}`, as: w.bob.secret });
      const ids = listed.json().items.map((t: { id: string }) => t.id);
      assert.equal(ids.includes(teamPersonal.id), false, 'a team listing hides teammates’ personal tokens');
      assert.equal(ids.includes(viaNative.id), false);
    });

    it('its owner still manages it, and team roles still reach the team’s api tokens', async () => {
      const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${teamPersonal.id}/rotate`, as: h.admin });
      assert.equal(rotated.statusCode, 201);
      assert.equal(rotated.json().token.ownerUserId, (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().user.id);
      const api = await h.request({ method: 'POST', url: `/v1/tokens?teamId=${w.team.id}`, as: h.admin, payload: { name: 'team key' } });
      const id = api.json().token.id;
      assert.equal((await h.request({ method: 'PATCH', url: `/v1/tokens/${id}`, as: w.bob.secret, payload: { name: 'renamed' } })).statusCode, 200);
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${id}/rotate`, as: w.bob.secret })).statusCode, 201);
      // Bob's own personal token in the team is listed for him.
      const bobs = await personal(h, w.bob.secret, { teamId: w.team.id, scopes: ['tokens:read'] });
      const forBob = (await h.request({ method: 'GET', url: `/v1/tokens?teamId=${w.team.id}`, as: w.bob.secret })).json().items;
      assert.ok(forBob.some((t: { id: string }) => t.id === bobs.id));
    });
  });

  describe('H1: tokens for an Edge Config come only from its owner’s authority', () => {
    let w: Awaited<ReturnType<typeof world>>;
    let configId: string;
    before(async () => {
      w = await world(h);
      const res = await h.request({
        method: 'POST',
        url: '/v1/edge-config',
        as: w.bob.secret,
        payload: { slug: `cfg-${w.bob.id.slice(-8).toLowerCase()}`, items: { secret: 'bob only' } },
      });
      assert.equal(res.statusCode, 201, res.body);
      configId = res.json().id;
    });
    const resource = () => ({ kind: 'edge-config', id: configId });

    it('a stranger cannot mint a reader for it, by any route, and nothing is stored', async () => {
      const before = (await h.stores.tokens.list({ resource: resource(), limit: 100, now: h.clock.now() })).items.length;
      const minted = await h.request({ method: 'POST', url: '/v1/tokens', as: w.dave.secret, payload: { name: 'reader', resource: resource() } });
      assert.equal(minted.statusCode, 403);
      const viaVercel = await h.request({ method: 'POST', url: `/v1/edge-config/${configId}/token`, as: w.dave.secret, payload: { label: 'x' } });
      assert.equal(viaVercel.statusCode, 403);
      assert.equal((await h.stores.tokens.list({ resource: resource(), limit: 100, now: h.clock.now() })).items.length, before);
    });

    it('its owner may, through the native API too: the token counts against the limit, needs its own label, and reads', async () => {
      const made = await h.request({ method: 'POST', url: '/v1/tokens', as: w.bob.secret, payload: { name: 'native reader', resource: resource() } });
      assert.equal(made.statusCode, 201, made.body);
      assert.equal(made.json().token.type, 'resource');
      const items = await h.request({ method: 'GET', url: `/${configId}/items?token=${made.json().secret}` });
      assert.deepEqual(items.json(), { secret: 'bob only' });
      const listed = await h.request({ method: 'GET', url: `/v1/edge-config/${configId}/tokens`, as: w.bob.secret });
      assert.ok(listed.json().some((t: { id: string }) => t.id === made.json().token.id));
      const twice = await h.request({ method: 'POST', url: '/v1/tokens', as: w.bob.secret, payload: { name: 'native reader', resource: resource() } });
      assert.equal(twice.statusCode, 409);
      const personalReader = await h.request({
        method: 'POST',
        url: '/v1/tokens',
        as: w.bob.secret,
        payload: { name: 'p', type: 'personal', resource: resource() },
      });
      assert.equal(personalReader.statusCode, 400);
    });

    it('a reader someone else made before this fix reads nothing, and the owner can delete it', async () => {
      const stranger = issueToken(
        tokenFields({ name: 'planted', type: 'resource', origin: 'api', ownerUserId: w.dave.id, resource: resource() }),
        h.clock.now(),
        h.clock.randomBytes,
      );
      await h.stores.tokens.insert(stranger.token);
      const read = await h.request({ method: 'GET', url: `/${configId}/items`, headers: { authorization: `Bearer ${stranger.secret}` } });
      assert.equal(read.statusCode, 401);
      const deleted = await h.request({ method: 'DELETE', url: `/v1/edge-config/${configId}/tokens`, as: w.bob.secret, payload: { ids: [stranger.token.id] } });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal(await h.stores.tokens.findById(stranger.token.id), undefined);
    });

    it('tokens for other resources stay the caller’s own labels', async () => {
      const res = await h.request({ method: 'POST', url: '/v1/tokens', as: w.dave.secret, payload: { name: 'doc', resource: { kind: 'document', id: 'd1' } } });
      assert.equal(res.statusCode, 201);
      assert.equal(res.json().token.ownerUserId, w.dave.id);
    });
  });

  describe('management scopes', () => {
    let w: Awaited<ReturnType<typeof world>>;
    before(async () => {
      w = await world(h);
    });

    it('a read-only token reads and is refused every change with 403, on the native and vendor APIs', async () => {
      const reader = await personal(h, w.bob.secret, { scopes: ['tokens:read'] });
      assert.equal((await h.request({ method: 'GET', url: '/v1/tokens', as: reader.secret })).statusCode, 200);
      assert.equal((await h.request({ method: 'GET', url: '/v6/user/tokens', as: reader.secret })).statusCode, 200);
      const refused = [
        await h.request({ method: 'POST', url: '/v1/tokens', as: reader.secret, payload: { name: 'nope' } }),
        await h.request({ method: 'POST', url: `/api/v2/tokens?token=${reader.secret}`, payload: { description: 'nope' } }),
        await h.request({ method: 'POST', url: '/v3/user/tokens', as: reader.secret, payload: { name: 'nope' } }),
        await h.request({ method: 'POST', url: '/v2/user/custom_token/', as: reader.secret, payload: { name: 'nope' } }),
        await h.request({ method: 'POST', url: '/v1/teams', as: reader.secret, payload: { slug: 'nope' } }),
        await h.request({ method: 'GET', url: '/v1/audit', as: reader.secret }),
      ];
      for (const res of refused) assert.equal(res.statusCode, 403, res.body);
      const tokens = await h.stores.tokens.list({ ownerUserId: w.bob.id, limit: 100, now: h.clock.now() });
      assert.equal(
        tokens.items.some((t) => t.name === 'nope'),
        false,
        'nothing was created',
      );
    });

    it('a write scope covers its read; balances need credits:write whatever API changes them', async () => {
      const writer = await personal(h, w.bob.secret, { scopes: ['tokens:write'] });
      assert.equal((await h.request({ method: 'GET', url: '/v1/tokens', as: writer.secret })).statusCode, 200);
      const minted = await h.request({
        method: 'POST',
        url: '/v2/user/custom_token/',
        as: writer.secret,
        payload: { name: 'e0', balance: '5', active_balance: true },
      });
      assert.equal(minted.statusCode, 403, 'a balance is credits, whichever API makes it');
      const eden = await h.request({
        method: 'POST',
        url: '/v2/user/custom_token/',
        as: w.bob.secret,
        payload: { name: 'e1', balance: '5', active_balance: true },
      });
      assert.equal(eden.statusCode, 201, eden.body);
      for (const payload of [{ balance: 500 }, { active_balance: false }, { active_balance: false, balance: 999 }, { expire_time: null, balance: 999 }]) {
        const patched = await h.request({ method: 'PATCH', url: '/v2/user/custom_token/e1/', as: writer.secret, payload });
        assert.equal(patched.statusCode, 403, JSON.stringify(payload));
      }
      const unchanged = await h.request({ method: 'GET', url: '/v2/user/custom_token/e1/', as: writer.secret });
      assert.equal(unchanged.json().active_balance, true, 'a refused PATCH changed nothing');
      const made = await h.request({ method: 'POST', url: '/v1/tokens', as: w.bob.secret, payload: { name: 'k', credits: '1' } });
      assert.equal(
        (await h.request({ method: 'POST', url: `/v1/tokens/${made.json().token.id}/credits`, as: writer.secret, payload: { op: 'set', amount: '9' } }))
          .statusCode,
        403,
      );
      const read = await h.request({ method: 'GET', url: '/v2/user/custom_token/e1/', as: writer.secret });
      assert.equal(read.json().balance, 5, 'the balance did not change');
    });

    it('a token cannot hand on scopes it does not hold, at creation or by a change', async () => {
      const writer = await personal(h, w.bob.secret, { scopes: ['tokens:write'] });
      const wider = await h.request({ method: 'POST', url: '/v1/tokens', as: writer.secret, payload: { name: 'w', type: 'personal', scopes: ['*'] } });
      assert.equal(wider.statusCode, 403);
      const plain = await h.request({ method: 'POST', url: '/v1/tokens', as: writer.secret, payload: { name: 'w', type: 'personal' } });
      assert.deepEqual(plain.json().token.scopes, ['tokens:write'], 'without scopes, the maker’s own');
      const viaVercel = await h.request({ method: 'POST', url: '/v3/user/tokens', as: writer.secret, payload: { name: 'v' } });
      const vercelToken = await h.request({ method: 'GET', url: `/v1/tokens/${viaVercel.json().token.id}`, as: writer.secret });
      assert.deepEqual(vercelToken.json().token.scopes, ['tokens:write']);
      const widened = await h.request({ method: 'PATCH', url: `/v1/tokens/${plain.json().token.id}`, as: writer.secret, payload: { scopes: ['users:write'] } });
      assert.equal(widened.statusCode, 403);
      // API keys carry the customer's own scopes, which mean nothing to tessera: not limited.
      const apiKey = await h.request({ method: 'POST', url: '/v1/tokens', as: writer.secret, payload: { name: 'a', scopes: ['*'] } });
      assert.equal(apiKey.statusCode, 201);
    });

    it('a CI token limited to one team creates tokens there and reaches nothing else', async () => {
      const ci = await personal(h, w.bob.secret, { teamId: w.team.id, scopes: ['tokens:write'] });
      const made = await h.request({ method: 'POST', url: '/v1/tokens', as: ci.secret, payload: { name: 'deploy key' } });
      assert.equal(made.statusCode, 201);
      assert.equal(made.json().token.teamId, w.team.id, 'no ?teamId= needed: the token’s team');
      const other = (
        await h.request({ method: 'POST', url: '/v1/teams', as: w.dave.secret, payload: { slug: `other-${w.dave.id.slice(-6).toLowerCase()}` } })
      ).json().team;
      await h.request({ method: 'POST', url: `/v1/teams/${other.id}/members`, as: w.dave.secret, payload: { userId: w.bob.id, role: 'owner' } });
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens?teamId=${other.id}`, as: ci.secret, payload: { name: 'x' } })).statusCode, 403);
      const own = await h.request({ method: 'POST', url: '/v1/tokens', as: w.bob.secret, payload: { name: 'bob alone' } });
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${own.json().token.id}`, as: ci.secret })).statusCode, 404);
      const listed = (await h.request({ method: 'GET', url: '/v1/tokens', as: ci.secret })).json().items;
      assert.ok(listed.every((t: { teamId: string | null }) => t.teamId === w.team.id));
      const teams = (await h.request({ method: 'GET', url: '/v1/whoami', as: ci.secret })).json().teams;
      assert.deepEqual(
        teams.map((t: { team: { id: string } }) => t.team.id),
        [w.team.id],
      );
      // Even an admin's team-scoped token has no admin powers outside it.
      const adminCi = await personal(h, h.admin, { teamId: w.team.id });
      assert.equal((await h.request({ method: 'POST', url: '/v1/users', as: adminCi.secret, payload: { name: 'x' } })).statusCode, 403);
      assert.equal((await h.request({ method: 'GET', url: `/v1/tokens/${own.json().token.id}`, as: adminCi.secret })).statusCode, 404);
    });
  });

  describe('a token hands on no more than it holds: scopes, lifetime, addresses', () => {
    let w: Awaited<ReturnType<typeof world>>;
    before(async () => {
      w = await world(h);
    });

    it('a narrower token cannot rotate a broader one into a fresh secret, nor reshape it; it may retire it', async () => {
      const broad = await personal(h, w.bob.secret, {});
      const narrow = await personal(h, w.bob.secret, { scopes: ['tokens:write'] });
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${broad.id}/rotate`, as: narrow.secret })).statusCode, 403);
      assert.equal(
        (await h.request({ method: 'PATCH', url: `/v1/tokens/${broad.id}`, as: narrow.secret, payload: { expiresAt: h.clock.now() + 1000 } })).statusCode,
        403,
      );
      assert.equal((await h.request({ method: 'PATCH', url: `/v1/tokens/${broad.id}`, as: narrow.secret, payload: { name: 'renamed' } })).statusCode, 200);
      const adminCi = await personal(h, h.admin, { scopes: ['tokens:write'] });
      const adminId = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().token.id;
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${adminId}/rotate`, as: adminCi.secret })).statusCode, 403);
      // Rotating itself hands on exactly what it has.
      const rotated = await h.request({ method: 'POST', url: `/v1/tokens/${narrow.id}/rotate`, as: narrow.secret });
      assert.equal(rotated.statusCode, 201);
      assert.deepEqual(rotated.json().token.scopes, ['tokens:write']);
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${broad.id}/revoke`, as: rotated.json().secret })).statusCode, 200);
    });

    it('a token limited in time or place cannot lift its own limits, nor mint a token without them', async () => {
      const until = h.clock.now() + 3_600_000;
      const bounded = await personal(h, h.admin, {
        scopes: ['tokens:write'],
        expiresAt: until,
        ipAllowlist: ['127.0.0.0/8'],
        rateLimits: [{ name: 'm', limit: 100, durationMs: 60_000 }],
      });
      const as = bounded.secret;
      for (const payload of [{ expiresAt: null }, { ipAllowlist: [] }, { rateLimits: [] }, { scopes: ['tokens:write'] }]) {
        assert.equal((await h.request({ method: 'PATCH', url: `/v1/tokens/${bounded.id}`, as, payload })).statusCode, 403, JSON.stringify(payload));
      }
      const inherits = await h.request({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'child', type: 'personal' } });
      assert.equal(inherits.statusCode, 201);
      assert.equal(inherits.json().token.expiresAt, until);
      assert.deepEqual(inherits.json().token.ipAllowlist, ['127.0.0.0/8']);
      const refused = [{ expiresAt: null }, { expiresAt: until + 1 }, { ipAllowlist: [] }, { ipAllowlist: ['10.0.0.0/8'] }, { ipAllowlist: ['127.0.0.0/7'] }];
      for (const extra of refused) {
        const res = await h.request({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'escape', type: 'personal', ...extra } });
        assert.equal(res.statusCode, 403, JSON.stringify(extra));
      }
      const narrower = await h.request({
        method: 'POST',
        url: '/v1/tokens',
        as,
        payload: { name: 'narrower', type: 'personal', expiresAt: until - 1, ipAllowlist: ['127.0.0.1'] },
      });
      assert.equal(narrower.statusCode, 201);
      const rotatedLater = await h.request({
        method: 'POST',
        url: `/v1/tokens/${inherits.json().token.id}/rotate`,
        as,
        payload: { expiresAt: until + 60_000 },
      });
      assert.equal(rotatedLater.statusCode, 403, 'a rotation cannot outlive the rotating token');
    });

    it('tokens:write alone cannot set up credits, or reach an Edge Config through the token API', async () => {
      const writer = await personal(h, w.bob.secret, { scopes: ['tokens:write'] });
      const as = writer.secret;
      for (const payload of [{ credits: '1000000000' }, { creditsActive: true }, { refill: { amount: '5', interval: 'daily' } }, { creditPool: true }]) {
        assert.equal(
          (await h.request({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'metered', ...payload } })).statusCode,
          403,
          JSON.stringify(payload),
        );
      }
      const metered = await h.request({ method: 'POST', url: '/v1/tokens', as: w.bob.secret, payload: { name: 'metered', credits: '5' } });
      const id = metered.json().token.id;
      for (const payload of [{ creditsActive: false }, { refill: { amount: '5', interval: 'daily' } }]) {
        assert.equal((await h.request({ method: 'PATCH', url: `/v1/tokens/${id}`, as, payload })).statusCode, 403, JSON.stringify(payload));
      }
      assert.equal(
        (await h.request({ method: 'POST', url: '/v1/verify', payload: { token: metered.json().secret, cost: '5' } })).json().remaining,
        '0',
        'still metered',
      );

      const config = (
        await h.request({ method: 'POST', url: '/v1/edge-config', as: w.bob.secret, payload: { slug: `scoped-${w.bob.id.slice(-6).toLowerCase()}` } })
      ).json().id;
      const minted = await h.request({ method: 'POST', url: '/v1/tokens', as, payload: { name: 'reader', resource: { kind: 'edge-config', id: config } } });
      assert.equal(minted.statusCode, 403);
      const reader = (await h.request({ method: 'POST', url: `/v1/edge-config/${config}/token`, as: w.bob.secret, payload: { label: 'r' } })).json().id;
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${reader}/rotate`, as })).statusCode, 403);
      assert.equal((await h.request({ method: 'DELETE', url: `/v1/tokens/${reader}`, as })).statusCode, 403);
    });

    it('a team’s audit log files a member’s personal token under its owner, not the team', async () => {
      const carol = await h.user('carol-viewer');
      await h.request({ method: 'POST', url: `/v1/teams/${w.team.id}/members`, as: h.admin, payload: { userId: carol.id, role: 'viewer' } });
      const bobs = await personal(h, w.bob.secret, { teamId: w.team.id });
      await h.request({ method: 'POST', url: `/v1/tokens/${bobs.id}/rotate`, as: w.bob.secret });
      const seen = (await h.request({ method: 'GET', url: `/v1/audit?teamId=${w.team.id}&limit=200`, as: carol.secret })).json().items;
      assert.equal(
        seen.some((e: { targetId: string }) => e.targetId === bobs.id),
        false,
      );
      const own = (await h.request({ method: 'GET', url: '/v1/audit?limit=200', as: w.bob.secret })).json().items;
      assert.ok(
        own.some((e: { targetId: string }) => e.targetId === bobs.id),
        'its owner still sees it',
      );
    });

    it('a token is rotated once: a second rotation in its grace period is 409', async () => {
      const made = await h.request({ method: 'POST', url: '/v1/tokens', as: w.bob.secret, payload: { name: 'once' } });
      const id = made.json().token.id;
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${id}/rotate`, as: w.bob.secret, payload: { gracePeriodMs: 60_000 } })).statusCode, 201);
      assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${id}/rotate`, as: w.bob.secret, payload: { gracePeriodMs: 60_000 } })).statusCode, 409);
    });
  });

  describe('L7: a personal token with an IP allowlist', () => {
    it('authenticates from an allowed address, and only from there', async () => {
      const pinned = await personal(h, h.admin, { ipAllowlist: ['10.20.0.0/16'] });
      const from = (remoteAddress: string) => h.request({ method: 'GET', url: '/v1/whoami', remoteAddress, as: pinned.secret });
      assert.equal((await from('10.20.3.4')).statusCode, 200);
      assert.equal((await from('10.21.3.4')).statusCode, 401);
    });
  });
});
