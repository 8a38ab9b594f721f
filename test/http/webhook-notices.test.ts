import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { HttpWebhookSender } from '../../src/adapters/http/webhook-sender.js';
import { WebhookOutbox } from '../../src/service/webhook-outbox.js';
import { WebhookSweeper } from '../../src/service/webhook-sweeper.js';
import { describeEachApp, type Harness } from '../support/app-harness.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/* token.expiring (a sweep), credits.low and credits.exhausted (from the charges), to a real receiver. */

const DAY = 86_400_000;
const receiver = new WebhookReceiver();
before(() => receiver.start());
after(() => receiver.close());
let paths = 0;

await describeEachApp(
  'webhook notices: token.expiring, credits.low, credits.exhausted',
  (h: Harness) => {
    const deliver = async () => {
      await h.background.webhooks!.dispatcher!.settled();
      await h.background.webhooks!.dispatcher!.drain();
    };
    const make = async (payload: object) => {
      const path = `/notice/${++paths}`;
      const res = await h.request({ method: 'POST', url: '/v1/webhooks', as: h.admin, payload: { url: receiver.url + path, ...payload } });
      assert.equal(res.statusCode, 201, res.body);
      receiver.expect(path, res.json().secret);
      return path;
    };
    const typesAt = (path: string) => receiver.deliveredTo(path).map((r) => [r.payload!.type, r.payload!.data.token.name]);
    before(() => {
      h.clock.time = Date.now();
    });

    it('sends token.expiring once per token and webhook, within each webhook’s days, whichever node sweeps', async () => {
      const soon = await make({ events: ['token.expiring'], expiringDays: 3 });
      const later = await make({ events: ['token.expiring'], expiringDays: 20 });
      const now = h.clock.now();
      for (const [name, expiresAt] of [
        ['in-2-days', now + 2 * DAY],
        ['in-10-days', now + 10 * DAY],
        ['never', null],
      ] as const) {
        await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name, expiresAt } });
      }
      // A second node: its own outbox and sweeper over the same stores.
      const other = new WebhookSweeper(
        {
          webhooks: h.stores.webhooks,
          outbox: h.stores.outbox,
          tokens: h.stores.tokens,
          publisher: new WebhookOutbox({ ...h.stores, runtime: h.clock }),
          runtime: h.clock,
        },
        { retentionMs: 30 * DAY },
      );
      const sent = await Promise.all([h.background.webhooks!.sweeper.sweep(), other.sweep(), h.background.webhooks!.sweeper.sweep()]);
      assert.equal(
        sent.reduce((a, b) => a + b, 0),
        3,
      );
      await deliver();
      assert.deepEqual(typesAt(soon), [['token.expiring', 'in-2-days']]);
      assert.deepEqual(typesAt(later).sort(), [
        ['token.expiring', 'in-10-days'],
        ['token.expiring', 'in-2-days'],
      ]);
      assert.equal(receiver.deliveredTo(soon)[0]!.payload!.data.expiresAt, now + 2 * DAY);
    });

    it('sends credits.low when a charge crosses a webhook’s threshold, and credits.exhausted at zero', async () => {
      const two = await make({ events: ['credits.low', 'credits.exhausted'], creditsLowThreshold: '2' });
      const one = await make({ events: ['credits.low'], creditsLowThreshold: '1' });
      const { secret } = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'metered', credits: '3' } })).json();
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await h.request({ method: 'POST', url: '/v1/verify', payload: { token: secret } })).json().code);
      assert.deepEqual(codes, ['VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED']);
      const at = (path: string) => receiver.deliveredTo(path).map((r) => [r.payload!.type, r.payload!.data.remaining]);
      // The events are published behind the charges, not awaited by them: deliver until they have come (or will not).
      for (let i = 0; i < 100 && at(two).length + at(one).length < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        await deliver();
      }
      assert.deepEqual(at(two), [
        ['credits.low', '2'],
        ['credits.exhausted', '0'],
      ]);
      assert.deepEqual(at(one), [['credits.low', '1']]);
    });
  },
  {
    webhooks: {
      transport: new HttpWebhookSender({ allowPrivate: true }),
      allowPrivate: true,
      timeoutMs: 2000,
      leaseMs: 10_000,
    },
  },
);
