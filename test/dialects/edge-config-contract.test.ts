import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { generateSecret } from '../../src/core/secret.js';
import { edgeConfigTokenCreated, edgeConfigTokenErrors, edgeConfigTokenRequest, type EdgeConfigTokenErrorStatus } from '../contracts/vercel-edge-config.js';
import { describeEachApp, type Harness } from '../support/app-harness.js';
import { assertMatches, assertViolates } from '../support/contract.js';

/** Small, so that reaching the plan limit takes a few requests. */
const LIMIT = 3;
const PATHS = ['/v1/edge-config', '/v1/global-config'];

/** Everything a rejected request could change: every token (and its revocation), every audit event, the config. */
async function storeState(h: Harness, configId: string) {
  const tokens = await h.stores.tokens.list({ limit: 10_000, now: h.clock.now() });
  const audit = await h.stores.audit.list({ limit: 10_000 });
  return {
    tokens: tokens.items.map((t) => `${t.id} revoked:${t.revokedAt}`).sort(),
    audit: audit.items.map((e) => e.id).sort(),
    config: await h.stores.edgeConfigs.find(configId),
  };
}

/** The config's live tokens, read from the store rather than through the routes under test. */
async function tokenCount(h: Harness, configId: string): Promise<number> {
  const page = await h.stores.tokens.list({ resource: { kind: 'edge-config', id: configId }, status: 'active', limit: 10_000, now: h.clock.now() });
  return page.items.length;
}

/** Sends a request the reference documents an error for; checks the status, the body and that the store is as it was. */
async function assertRejected(
  h: Harness,
  configId: string,
  request: InjectOptions & { as?: string },
  status: EdgeConfigTokenErrorStatus,
  code: string,
): Promise<LightMyRequestResponse> {
  const before = await storeState(h, configId);
  const res = await h.request(request);
  assert.equal(res.statusCode, status, `${request.method} ${request.url}: ${res.body}`);
  assertMatches(edgeConfigTokenErrors[status], res.json(), `the ${status} body`);
  // The reference names no error body; Vercel's API convention (and tessera's dialect) is {error: {code, message}}.
  assert.equal(res.json().error.code, code);
  assert.equal(typeof res.json().error.message, 'string');
  assert.deepEqual(await storeState(h, configId), before, `${status}: a rejected request changes nothing`);
  return res;
}

await describeEachApp(
  'Vercel Edge Config token contract',
  (h) => {
    const createConfig = async (as: string, slug: string, options: { items?: Record<string, unknown>; teamId?: string } = {}) => {
      const query = options.teamId ? `?teamId=${options.teamId}` : '';
      const res = await h.request({ method: 'POST', url: `/v1/edge-config${query}`, as, payload: { slug, items: options.items ?? {} } });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };
    const createToken = (id: string, label: unknown, as: string, path = '/v1/edge-config') =>
      h.request({ method: 'POST', url: `${path}/${id}/token`, as, payload: { label } });

    it('201: a body the reference accepts gets {token, id}; the token reads that config and no other', async () => {
      const owner = await h.user('contract owner');
      const items = { flag: true, rollout: { percent: 10 } };
      const id = await createConfig(owner.secret, 'contract-ok', { items });
      const other = await createConfig(owner.secret, 'contract-other');
      // 52 characters is the reference's maxLength, inclusive.
      for (const [path, label] of [
        [PATHS[0]!, 'reader'],
        [PATHS[1]!, 'x'.repeat(52)],
      ] as const) {
        assertMatches(edgeConfigTokenRequest, { label }, 'the request');
        const count = await tokenCount(h, id);
        const res = await createToken(id, label, owner.secret, path);
        assert.equal(res.statusCode, 201, res.body);
        assertMatches(edgeConfigTokenCreated, res.json(), 'the 201 body');
        const { token, id: tokenId } = res.json() as { token: string; id: string };
        assert.equal(await tokenCount(h, id), count + 1);

        const stored = await h.stores.tokens.findById(tokenId);
        assert.equal(stored?.name, label);
        assert.deepEqual(stored?.resource, { kind: 'edge-config', id });
        assert.equal(stored?.type, 'resource');
        const verified = await h.request({ method: 'POST', url: '/v1/verify', payload: { token, resource: { kind: 'edge-config', id } } });
        assert.equal(verified.json().valid, true, verified.body);
        assert.equal(verified.json().token.id, tokenId);

        const read = await h.request({ method: 'GET', url: `/${id}/items`, headers: { authorization: `Bearer ${token}` } });
        assert.deepEqual(read.json(), items);
        const elsewhere = await h.request({ method: 'GET', url: `/${other}/items`, headers: { authorization: `Bearer ${token}` } });
        assert.equal(elsewhere.statusCode, 401);
      }
    });

    it('400: each body the reference calls invalid, and malformed JSON', async () => {
      const owner = await h.user('contract 400');
      const id = await createConfig(owner.secret, 'contract-400');
      const invalid: unknown[] = [{ label: 'x'.repeat(53) }, { label: 'ok', extra: 1 }, { label: 5 }, { label: null }, {}, []];
      for (const body of invalid) {
        assertViolates(edgeConfigTokenRequest, body, 'a 400 case');
        await assertRejected(h, id, { method: 'POST', url: `/v1/edge-config/${id}/token`, as: owner.secret, payload: body as object }, 400, 'bad_request');
      }
      await assertRejected(
        h,
        id,
        { method: 'POST', url: `/v1/edge-config/${id}/token`, as: owner.secret, headers: { 'content-type': 'application/json' }, payload: '{"label": ' },
        400,
        'bad_request',
      );
    });

    it('401: no credential, a made-up one, one never issued and a deleted one', async () => {
      const owner = await h.user('contract 401');
      const id = await createConfig(owner.secret, 'contract-401');
      const personal = (await h.request({ method: 'POST', url: '/v1/tokens', as: owner.secret, payload: { name: 'short-lived', type: 'personal' } })).json();
      assert.equal((await h.request({ method: 'DELETE', url: `/v1/tokens/${personal.token.id}`, as: owner.secret })).statusCode, 204);

      const credentials: Array<[string, string | undefined]> = [
        ['none', undefined],
        ['not a token', 'tsr_madeup'],
        ['well-formed but never issued', generateSecret('tsr', randomBytes)],
        ['a deleted personal token', personal.secret],
      ];
      for (const [what, as] of credentials) {
        const res = await assertRejected(h, id, { method: 'POST', url: `/v1/edge-config/${id}/token`, as, payload: { label: what } }, 401, 'not_authorized');
        assert.ok(res.headers['www-authenticate'], what);
      }
    });

    it('402: past the plan limit; deleting a token frees its place', async () => {
      const owner = await h.user('contract 402');
      const id = await createConfig(owner.secret, 'contract-402');
      const ids: string[] = [];
      for (let i = 0; i < LIMIT; i++) {
        const res = await createToken(id, `token ${i}`, owner.secret);
        assert.equal(res.statusCode, 201, res.body);
        ids.push(res.json().id);
      }
      await assertRejected(
        h,
        id,
        { method: 'POST', url: `/v1/edge-config/${id}/token`, as: owner.secret, payload: { label: 'one too many' } },
        402,
        'payment_required',
      );
      assert.equal(await tokenCount(h, id), LIMIT);

      const deleted = await h.request({ method: 'DELETE', url: `/v1/edge-config/${id}/tokens`, as: owner.secret, payload: { ids: [ids[0]] } });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal((await createToken(id, 'one too many', owner.secret)).statusCode, 201);
      assert.equal(await tokenCount(h, id), LIMIT);
    });

    it("403: another user's config, another team's, a team viewer, the config's own read token; a team member may", async () => {
      const owner = await h.user('contract 403 owner');
      const stranger = await h.user('contract 403 stranger');
      const viewer = await h.user('contract 403 viewer');
      const member = await h.user('contract 403 member');
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: owner.secret, payload: { slug: 'contract-403' } })).json().team;
      for (const [user, role] of [
        [viewer, 'viewer'],
        [member, 'member'],
      ] as const) {
        const added = await h.request({ method: 'POST', url: `/v1/teams/${team.id}/members`, as: owner.secret, payload: { userId: user.id, role } });
        assert.equal(added.statusCode, 201, added.body);
      }
      const personal = await createConfig(owner.secret, 'contract-403-personal');
      const teamConfig = await createConfig(owner.secret, 'contract-403-team', { teamId: team.id });

      // A read token is a valid credential, so not a 401: it may read the config, but only personal tokens manage tessera.
      const readToken = (await createToken(teamConfig, 'reader', owner.secret)).json().token as string;
      for (const [id, as] of [
        [personal, stranger.secret],
        [teamConfig, stranger.secret],
        [teamConfig, viewer.secret],
        [teamConfig, readToken],
      ] as const) {
        await assertRejected(h, id, { method: 'POST', url: `/v1/edge-config/${id}/token`, as, payload: { label: 'mine now' } }, 403, 'forbidden');
      }
      // The same body from a member succeeds: the 403s above are about who asks, not what.
      assert.equal((await createToken(teamConfig, 'mine now', member.secret)).statusCode, 201);
    });

    it('404: an unknown config, under both paths', async () => {
      const owner = await h.user('contract 404');
      const id = await createConfig(owner.secret, 'contract-404');
      for (const path of PATHS) {
        for (const unknown of ['ecfg_unknown', `${id}x`]) {
          // The real config's state is what must stay untouched.
          await assertRejected(h, id, { method: 'POST', url: `${path}/${unknown}/token`, as: owner.secret, payload: { label: 'lost' } }, 404, 'not_found');
        }
      }
    });

    it("409: a label in use; a deleted token's label is free again", async () => {
      const owner = await h.user('contract 409');
      const id = await createConfig(owner.secret, 'contract-409');
      const first = await createToken(id, 'dup', owner.secret);
      assert.equal(first.statusCode, 201);
      await assertRejected(h, id, { method: 'POST', url: `/v1/global-config/${id}/token`, as: owner.secret, payload: { label: 'dup' } }, 409, 'conflict');
      assert.equal(await tokenCount(h, id), 1);

      const deleted = await h.request({ method: 'DELETE', url: `/v1/edge-config/${id}/tokens`, as: owner.secret, payload: { tokens: [first.json().token] } });
      assert.equal(deleted.statusCode, 204, deleted.body);
      assert.equal((await createToken(id, 'dup', owner.secret)).statusCode, 201);
      assert.equal(await tokenCount(h, id), 1);
    });

    it('409 and 402 hold when requests race: a label never names two tokens, the limit is never passed', async () => {
      const owner = await h.user('contract race');
      const id = await createConfig(owner.secret, 'contract-race');
      const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode).join();
      const createdIn = (responses: LightMyRequestResponse[]) => responses.filter((r) => r.statusCode === 201).length;

      const auditBefore = new Set((await h.stores.audit.list({ limit: 10_000 })).items.map((e) => e.id));

      // The check and the write are one store transaction: exactly one racer takes the label.
      const same = await Promise.all(Array.from({ length: 5 }, () => createToken(id, 'raced', owner.secret)));
      assert.equal(createdIn(same), 1, statuses(same));
      assert.ok(
        same.every((r) => r.statusCode === 201 || r.statusCode === 409),
        statuses(same),
      );
      assert.equal(await tokenCount(h, id), createdIn(same));

      const many = await Promise.all(Array.from({ length: LIMIT + 2 }, (_, i) => createToken(id, `racer ${i}`, owner.secret)));
      assert.ok(
        many.every((r) => r.statusCode === 201 || r.statusCode === 402),
        statuses(many),
      );
      const live = createdIn(same) + createdIn(many);
      // More racers than free places: every place is taken, and no more.
      assert.equal(live, LIMIT, statuses(many));
      assert.equal(await tokenCount(h, id), live);

      // The losers left nothing behind: every place not won is still free, and no more.
      for (let i = live; i < LIMIT; i++) assert.equal((await createToken(id, `after ${i}`, owner.secret)).statusCode, 201);
      assert.equal((await createToken(id, 'past the limit', owner.secret)).statusCode, 402);

      // Each winner's creation is audited once; a refused racer left no event, not even a withdrawal.
      const raceEvents = (await h.stores.audit.list({ limit: 10_000 })).items.filter((e) => !auditBefore.has(e.id));
      const liveIds = (await h.stores.tokens.list({ resource: { kind: 'edge-config', id }, status: 'active', limit: 10_000, now: h.clock.now() })).items.map(
        (t) => t.id,
      );
      assert.deepEqual(raceEvents.map((e) => `${e.action} ${e.targetId}`).sort(), liveIds.map((t) => `token.create ${t}`).sort());
    });
  },
  { edgeConfigTokenLimit: LIMIT },
);
