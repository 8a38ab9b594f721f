import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HttpWebhookSender } from '../../src/adapters/http/webhook-sender.js';
import { describeEachApp, type Harness } from '../support/app-harness.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Deliveries to a real receiver on loopback, which verifies every request with the standardwebhooks
 * package. The harness clock is set to the real time (the library refuses timestamps over five
 * minutes off) and moved by hand past retry delays; the dispatcher's rounds are awaited, not timed.
 */

const receiver = new WebhookReceiver();
before(() => receiver.start());
after(() => receiver.close());

const options = {
  webhooks: {
    transport: new HttpWebhookSender({ allowPrivate: true }),
    allowPrivate: true,
    timeoutMs: 2000,
    leaseMs: 10_000,
    retry: { baseMs: 1000, maxMs: 4000, giveUpAfterMs: 3_600_000 },
    pause: { failures: 3, afterMs: 60_000 },
  },
};

let paths = 0;

await describeEachApp(
  'webhook delivery to a real receiver',
  (h: Harness) => {
    const dispatcher = () => h.background.webhooks!.dispatcher!;
    /** Runs every due delivery to its end. */
    const deliver = async () => {
      await dispatcher().settled();
      await dispatcher().drain();
    };
    const make = async (events: string[], more: object = {}) => {
      const path = `/hook/${++paths}`;
      const res = await h.request({ method: 'POST', url: '/v1/webhooks', as: h.admin, payload: { url: receiver.url + path, events, ...more } });
      assert.equal(res.statusCode, 201, res.body);
      receiver.expect(path, res.json().secret);
      return { path, id: res.json().webhook.id as string, secret: res.json().secret as string };
    };
    const token = async (name: string) => (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name } })).json();

    before(() => {
      h.clock.time = Date.now();
    });

    it('delivers every token event, signed, verified by the receiver, in the order it happened', async () => {
      const hook = await make(['token.created', 'token.updated', 'token.rotated', 'token.revoked', 'token.deleted']);
      const made = await token('lifecycle');
      const id = made.token.id;
      await h.request({ method: 'PATCH', url: `/v1/tokens/${id}`, as: h.admin, payload: { name: 'renamed' } });
      const rotated = (await h.request({ method: 'POST', url: `/v1/tokens/${id}/rotate`, as: h.admin })).json();
      await h.request({ method: 'POST', url: `/v1/tokens/${rotated.token.id}/revoke`, as: h.admin });
      await h.request({ method: 'DELETE', url: `/v1/tokens/${rotated.token.id}`, as: h.admin });
      await deliver();
      const got = receiver.deliveredTo(hook.path);
      assert.deepEqual(
        got.map((r) => r.verifyError),
        got.map(() => undefined),
        'every delivery verifies',
      );
      assert.deepEqual(
        got.map((r) => r.payload!.type),
        ['token.created', 'token.updated', 'token.rotated', 'token.revoked', 'token.deleted'],
      );
      assert.equal(got[0]!.payload!.data.token.id, id);
      assert.deepEqual(Object.keys(got[0]!.payload!).sort(), ['data', 'timestamp', 'type']);
      assert.equal(got[2]!.payload!.data.rotatedFromId, id);
      for (const r of got) {
        assert.ok(!r.body.includes(made.secret) && !r.body.includes(rotated.secret), 'no token secret in a payload');
        assert.ok(!r.body.includes(hook.secret.slice(6)), 'no webhook secret in a payload');
      }
      const deliveries = (await h.request({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries`, as: h.admin })).json();
      assert.deepEqual(
        deliveries.items.map((d: any) => [d.status, d.attempts, d.lastStatusCode]),
        got.map(() => ['succeeded', 1, 200]),
      );
      assert.deepEqual(
        deliveries.items.map((d: any) => d.eventId).reverse(),
        got.map((r) => r.headers['webhook-id']),
      );
    });

    it('keeps retrying while the receiver is down; once it is back every event arrives, each with its one id', async () => {
      const hook = await make(['token.created']);
      receiver.answer = (path) => (path === hook.path ? 503 : 200);
      const names = ['d1', 'd2', 'd3'];
      for (const name of names) await token(name);
      await deliver();
      h.clock.advance(5000);
      await deliver();
      const failed = receiver.received.filter((r) => r.path === hook.path);
      assert.ok(failed.length >= 6, `two attempts each while down, got ${failed.length}`);
      const pending = (await h.request({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries`, as: h.admin })).json().items;
      assert.deepEqual(
        pending.map((d: any) => [d.status, d.lastStatusCode, d.nextAttemptAt > h.clock.now()]),
        pending.map(() => ['pending', 503, true]),
      );
      receiver.answer = () => 200;
      h.clock.advance(10_000);
      await deliver();
      const arrived = receiver.deliveredTo(hook.path);
      // Three tokens, three subjects: no order among them is promised.
      assert.deepEqual(arrived.map((r) => r.payload!.data.token.name).sort(), names);
      const idsDown = new Set(failed.map((r) => r.headers['webhook-id']));
      assert.deepEqual(new Set(arrived.map((r) => r.headers['webhook-id'])), idsDown, 'the ids of the failed attempts are the ids delivered');
      assert.equal(idsDown.size, 3);
    });

    it('pauses a webhook whose attempts keep failing, says so in an event, and sends the backlog once resumed', async () => {
      const watcher = await make(['webhook.paused']);
      const hook = await make(['token.created']);
      receiver.answer = (path) => (path === hook.path ? 500 : 200);
      await token('p1');
      for (let i = 0; i < 4; i++) {
        await deliver();
        h.clock.advance(30_000);
      }
      const state = (await h.request({ method: 'GET', url: `/v1/webhooks/${hook.id}`, as: h.admin })).json();
      assert.equal(state.status, 'paused');
      assert.ok(state.consecutiveFailures >= 3);
      await deliver();
      const paused = receiver.deliveredTo(watcher.path).map((r) => r.payload!);
      assert.deepEqual(
        paused.map((p) => [p.type, p.data.webhook.id]),
        [['webhook.paused', hook.id]],
      );
      const tried = receiver.received.filter((r) => r.path === hook.path).length;
      h.clock.advance(60_000);
      await deliver();
      assert.equal(receiver.received.filter((r) => r.path === hook.path).length, tried, 'nothing is attempted while paused');
      receiver.answer = () => 200;
      const resumed = await h.request({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, as: h.admin, payload: { enabled: true } });
      assert.deepEqual([resumed.statusCode, resumed.json().status, resumed.json().consecutiveFailures], [200, 'active', 0]);
      await deliver();
      assert.deepEqual(
        receiver.deliveredTo(hook.path).map((r) => r.payload!.data.token.name),
        ['p1'],
      );
    });

    it('sends a test event, redelivers with the same id, and signs with both secrets after a rotation', async () => {
      const hook = await make(['token.revoked']);
      const test = await h.request({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, as: h.admin });
      assert.equal(test.statusCode, 202);
      await deliver();
      const [first] = receiver.deliveredTo(hook.path);
      assert.deepEqual([first?.payload?.type, first?.headers['webhook-id']], ['webhook.test', test.json().eventId]);
      const [delivery] = (await h.request({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries`, as: h.admin })).json().items;
      const again = await h.request({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`, as: h.admin });
      assert.deepEqual([again.statusCode, again.json().eventId, again.json().id !== delivery.id], [202, delivery.eventId, true]);
      const rotated = await h.request({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, as: h.admin });
      assert.equal(rotated.statusCode, 200);
      assert.notEqual(rotated.json().secret, hook.secret);
      await deliver();
      const redelivered = receiver.deliveredTo(hook.path)[1]!;
      assert.equal(redelivered.headers['webhook-id'], test.json().eventId);
      // Each secret alone verifies it: receivers switch at their own pace.
      receiver.expect(hook.path, rotated.json().secret);
      await h.request({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, as: h.admin });
      receiver.expect(hook.path, hook.secret);
      await h.request({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, as: h.admin });
      await deliver();
      assert.deepEqual(
        receiver
          .deliveredTo(hook.path)
          .slice(2)
          .map((r) => r.verifyError),
        [undefined, undefined],
      );
    });

    it('sends a team’s events to its team webhook and a user’s own to theirs, nothing else', async () => {
      const alice = await h.user(`alice-${paths}`);
      const team = (await h.request({ method: 'POST', url: '/v1/teams', as: alice.secret, payload: { slug: `t-${paths}` } })).json().team.id;
      const own = await make(['token.created']);
      const teamPath = `/hook/${++paths}`;
      const teamHook = await h.request({
        method: 'POST',
        url: '/v1/webhooks',
        as: alice.secret,
        payload: { url: receiver.url + teamPath, events: ['token.created'], teamId: team },
      });
      receiver.expect(teamPath, teamHook.json().secret);
      const alicePath = `/hook/${++paths}`;
      const aliceHook = await h.request({
        method: 'POST',
        url: '/v1/webhooks',
        as: alice.secret,
        payload: { url: receiver.url + alicePath, events: ['token.created'] },
      });
      receiver.expect(alicePath, aliceHook.json().secret);
      await h.request({ method: 'POST', url: `/v1/tokens?teamId=${team}`, as: alice.secret, payload: { name: 'team-token' } });
      await h.request({ method: 'POST', url: '/v1/tokens', as: alice.secret, payload: { name: 'alice-token' } });
      await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'admin-token' } });
      await deliver();
      const names = (path: string) => receiver.deliveredTo(path).map((r) => r.payload!.data.token.name);
      assert.deepEqual(names(teamPath), ['team-token']);
      assert.deepEqual(names(alicePath), ['alice-token']);
      assert.deepEqual(names(own.path), ['admin-token']);
    });
  },
  options,
);
