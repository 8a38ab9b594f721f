import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { RecordingEvents } from '../../src/service/event-publisher.js';
import { describeEachApp } from '../support/app-harness.js';

/** POST /v1/tokens/{id}/disable and /enable (issue 22): a suspension, distinct from a revocation. */
const events = new RecordingEvents();

await describeEachApp(
  'suspending and resuming a token',
  (h) => {
    let alice: { id: string; secret: string };
    let bob: { id: string; secret: string };
    let n = 0;
    const fresh = () => `susp-${++n}`;

    async function ok(options: InjectOptions & { as?: string }): Promise<any> {
      const res = await h.request(options);
      assert.ok(res.statusCode < 300, `setting up: ${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
      return res.json();
    }
    const make = async (as: string, payload: object = {}) =>
      (await ok({ method: 'POST', url: '/v1/tokens', as, payload: { name: fresh(), ...payload } })) as { token: any; secret: string };
    const verify = async (secret: string) => (await ok({ method: 'POST', url: '/v1/verify', payload: { token: secret } })) as { valid: boolean; code: string };
    const disable = (id: string, as: string, payload?: object) =>
      h.request({ method: 'POST', url: `/v1/tokens/${id}/disable`, as, ...(payload ? { payload } : {}) });
    const enable = (id: string, as: string) => h.request({ method: 'POST', url: `/v1/tokens/${id}/enable`, as });
    const audited = async (id: string, action: 'token.disable' | 'token.enable') => (await h.stores.audit.list({ limit: 100, targetId: id, action })).items;
    const published = (id: string) => events.published.filter((e) => e.subject === id).map((e) => e.type);

    before(async () => {
      alice = await h.user(fresh());
      bob = await h.user(fresh());
    });

    describe('happy', () => {
      it('a suspended token answers DISABLED until it is enabled, and says so in its view, audit and events', async () => {
        const { token, secret } = await make(alice.secret);
        assert.equal((await verify(secret)).code, 'VALID');
        h.clock.advance(1000);
        const suspendedAt = h.clock.now();
        const res = await disable(token.id, alice.secret, { reason: 'left for the weekend' });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().token.status, 'disabled');
        assert.equal(res.json().token.disabledAt, suspendedAt);
        assert.equal(res.json().token.revokedAt, null);
        assert.deepEqual(await verify(secret), { valid: false, code: 'DISABLED' });
        assert.equal((await ok({ method: 'GET', url: `/v1/tokens/${token.id}`, as: alice.secret })).token.status, 'disabled');
        const [entry] = await audited(token.id, 'token.disable');
        assert.equal(entry?.actorUserId, alice.id);
        assert.deepEqual(entry?.details, { reason: 'left for the weekend' });

        h.clock.advance(1000);
        const back = await enable(token.id, alice.secret);
        assert.equal(back.statusCode, 200, back.body);
        assert.equal(back.json().token.status, 'active');
        assert.equal(back.json().token.disabledAt, null);
        assert.equal((await verify(secret)).code, 'VALID');
        assert.equal((await audited(token.id, 'token.enable')).length, 1);
        assert.deepEqual(published(token.id), ['token.created', 'token.disabled', 'token.enabled']);
        const event = events.published.find((e) => e.subject === token.id && e.type === 'token.disabled')!;
        assert.equal(event.data.reason, 'left for the weekend');
        assert.equal((event.data.token as { id: string }).id, token.id);
        assert.equal(JSON.stringify(event).includes(secret), false, 'no secret in an event');
      });

      it('is idempotent: a second suspension keeps the first time and records nothing more', async () => {
        const { token } = await make(alice.secret);
        const first = (await disable(token.id, alice.secret)).json().token.disabledAt;
        h.clock.advance(5000);
        const again = await disable(token.id, alice.secret);
        assert.equal(again.statusCode, 200);
        assert.equal(again.json().token.disabledAt, first);
        assert.equal((await audited(token.id, 'token.disable')).length, 1);
        assert.equal((await enable(token.id, alice.secret)).statusCode, 200);
        assert.equal((await enable(token.id, alice.secret)).statusCode, 200);
        assert.equal((await audited(token.id, 'token.enable')).length, 1);
      });

      it('counts DISABLED verifications in analytics under the token', async () => {
        const { token, secret } = await make(alice.secret);
        await disable(token.id, alice.secret);
        for (let i = 0; i < 2; i++) assert.equal((await verify(secret)).code, 'DISABLED');
        await h.background.analytics!.flush();
        const from = h.clock.now() - 3_600_000;
        const answer = await ok({
          method: 'GET',
          url: `/v1/analytics/verifications?tokenId=${token.id}&groupBy=outcome&granularity=minute&from=${from}&to=${h.clock.now() + 60_000}`,
          as: h.admin,
        });
        assert.deepEqual(
          answer.series.map((s: { key: { outcome: string }; total: number }) => [s.key.outcome, s.total]),
          [['DISABLED', 2]],
        );
      });

      it('evicts a token this node holds in its cache at once', async () => {
        const { token, secret } = await make(alice.secret);
        for (let i = 0; i < 3; i++) assert.equal((await verify(secret)).code, 'VALID');
        await disable(token.id, alice.secret);
        assert.equal((await verify(secret)).code, 'DISABLED');
      });

      it('lists suspended tokens under ?status=disabled and not under active', async () => {
        const owner = await h.user(fresh());
        const { token: kept } = await make(owner.secret);
        const { token: paused } = await make(owner.secret);
        await disable(paused.id, owner.secret);
        const ids = async (status: string) =>
          (await ok({ method: 'GET', url: `/v1/tokens?status=${status}&type=api`, as: owner.secret })).items.map((t: any) => t.id);
        assert.deepEqual(await ids('disabled'), [paused.id]);
        assert.deepEqual(await ids('active'), [kept.id]);
      });

      it('a rotated suspended token hands its suspension to its successor', async () => {
        const { token } = await make(alice.secret);
        await disable(token.id, alice.secret);
        const rotated = await ok({ method: 'POST', url: `/v1/tokens/${token.id}/rotate`, as: alice.secret });
        assert.equal(rotated.token.status, 'disabled');
        assert.equal((await verify(rotated.secret)).code, 'DISABLED');
      });

      it('answers DISABLED the same way through forward-auth (401) and OAuth introspection (inactive)', async () => {
        const { token, secret } = await make(alice.secret);
        const gateway = await make(alice.secret, { type: 'personal', scopes: ['oauth:introspect'] });
        await disable(token.id, alice.secret);
        const fa = await h.request({ method: 'GET', url: '/v1/forward-auth', headers: { authorization: `Bearer ${secret}` } });
        assert.equal(fa.statusCode, 401);
        assert.equal(fa.headers['x-tessera-code'], 'DISABLED');
        const introspected = await h.request({
          method: 'POST',
          url: '/oauth/introspect',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${gateway.secret}` },
          payload: new URLSearchParams({ token: secret }).toString(),
        });
        assert.equal(introspected.statusCode, 200, introspected.body);
        assert.deepEqual(introspected.json(), { active: false });
      });
    });

    describe('order of the decision', () => {
      it('revoked wins over disabled, and enabling a revoked token does not bring it back', async () => {
        const { token, secret } = await make(alice.secret);
        await disable(token.id, alice.secret);
        await ok({ method: 'POST', url: `/v1/tokens/${token.id}/revoke`, as: alice.secret });
        assert.equal((await verify(secret)).code, 'REVOKED');
        const back = await enable(token.id, alice.secret);
        assert.equal(back.statusCode, 200);
        assert.equal(back.json().token.status, 'revoked');
        assert.equal((await verify(secret)).code, 'REVOKED');
      });

      it('disabled wins over expired', async () => {
        const { token, secret } = await make(alice.secret, { expiresAt: h.clock.now() + 1000 });
        await disable(token.id, alice.secret);
        h.clock.advance(2000);
        assert.equal((await verify(secret)).code, 'DISABLED');
      });
    });

    describe('errors', () => {
      it('404 for an unknown token, 400 for a bad body, and nothing changes', async () => {
        const { token, secret } = await make(alice.secret);
        const unknown = await disable('tok_unknown', alice.secret);
        assert.equal(unknown.statusCode, 404);
        assert.equal(unknown.json().error.code, 'TOKEN_NOT_FOUND');
        for (const payload of [{ reason: 'x'.repeat(501) }, { reason: '' }, { reason: 7 }, { why: 'no' }]) {
          const res = await disable(token.id, alice.secret, payload);
          assert.equal(res.statusCode, 400, JSON.stringify(payload));
          assert.equal(res.json().error.code, 'VALIDATION_ERROR');
        }
        assert.equal((await verify(secret)).code, 'VALID');
        assert.equal((await audited(token.id, 'token.disable')).length, 0);
        assert.equal((await enable('tok_unknown', alice.secret)).statusCode, 404);
      });
    });

    describe('security', () => {
      it('needs a credential, tokens:write, and the rights revoke needs', async () => {
        const { token, secret } = await make(alice.secret);
        assert.equal((await h.request({ method: 'POST', url: `/v1/tokens/${token.id}/disable` })).statusCode, 401);
        const readOnly = await make(alice.secret, { type: 'personal', scopes: ['tokens:read'] });
        const scoped = await disable(token.id, readOnly.secret);
        assert.equal(scoped.statusCode, 403);
        // bob may not see alice's token: 404, as for revoke, so ids cannot be probed.
        assert.equal((await disable(token.id, bob.secret)).statusCode, 404);
        assert.equal((await enable(token.id, bob.secret)).statusCode, 404);
        assert.equal((await verify(secret)).code, 'VALID');
      });

      it('a suspended personal token can no longer call the management API, and works again once enabled', async () => {
        const personal = await make(alice.secret, { type: 'personal', scopes: ['tokens:read'] });
        assert.equal((await h.request({ method: 'GET', url: '/v1/tokens', as: personal.secret })).statusCode, 200);
        await disable(personal.token.id, alice.secret);
        const refused = await h.request({ method: 'GET', url: '/v1/tokens', as: personal.secret });
        assert.equal(refused.statusCode, 401);
        await enable(personal.token.id, alice.secret);
        assert.equal((await h.request({ method: 'GET', url: '/v1/tokens', as: personal.secret })).statusCode, 200);
      });

      it('a token cannot lift its own suspension: it cannot authenticate', async () => {
        const personal = await make(alice.secret, { type: 'personal', scopes: ['tokens:write', 'tokens:read'] });
        await disable(personal.token.id, personal.secret);
        assert.equal((await enable(personal.token.id, personal.secret)).statusCode, 401);
        assert.equal((await verify(personal.secret)).code, 'DISABLED');
      });
    });

    describe('tessera itself (ctx null), as a leak policy suspends', () => {
      it('suspends any token without a caller, audited without an actor, with its details', async () => {
        const { token, secret } = await make(bob.secret);
        const disabled = await h.services.tokens.disable(null, token.id, { leak: 'github' });
        assert.notEqual(disabled.disabledAt, null);
        assert.equal((await verify(secret)).code, 'DISABLED');
        const [entry] = await audited(token.id, 'token.disable');
        assert.equal(entry?.actorUserId, null);
        assert.deepEqual(entry?.details, { leak: 'github' });
        await h.services.tokens.enable(null, token.id);
        assert.equal((await verify(secret)).code, 'VALID');
        await assert.rejects(h.services.tokens.disable(null, 'tok_missing'), (error: { code?: string }) => error.code === 'TOKEN_NOT_FOUND');
      });
    });
  },
  { events },
);
