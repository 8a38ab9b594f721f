import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import type { EventType } from '../../src/core/events.js';
import { newId } from '../../src/core/ids.js';
import type { WebhookRecord } from '../../src/core/webhook.js';
import type { ClaimedDelivery, OutgoingEvent } from '../../src/store/event-outbox-store.js';
import type { Stores } from '../../src/store/stores.js';
import { describeEachStore } from '../support/store-factories.js';

const T0 = 1_800_000_000_000;

function webhook(more: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: newId('whk', Date.now(), randomBytes),
    url: 'https://hooks.example.com/in',
    description: 'contract',
    events: ['token.created', 'token.revoked'],
    scope: 'user',
    ownerUserId: `usr_${randomBytes(6).toString('hex')}`,
    teamId: null,
    status: 'active',
    secretVersion: 1,
    previousSecretUntil: null,
    expiringDays: 7,
    creditsLowThreshold: null,
    consecutiveFailures: 0,
    failingSince: null,
    createdAt: T0,
    updatedAt: T0,
    ...more,
  };
}

function outgoing(subject: string, webhookIds: string[], type: EventType = 'token.created'): OutgoingEvent {
  return {
    event: { id: newId('msg', Date.now(), randomBytes), type, subject, teamId: null, ownerUserId: 'usr_x', data: { token: { id: subject } } },
    deliveries: webhookIds.map((webhookId) => ({ id: newId('dlv', Date.now(), randomBytes), webhookId })),
  };
}

async function activeWebhook(stores: Stores, more: Partial<WebhookRecord> = {}): Promise<WebhookRecord> {
  const w = webhook(more);
  await stores.webhooks.insert(w);
  return w;
}

/** Claims of `owner` for deliveries of webhook `w` only, as the dispatcher claims: other tests' deliveries may be due too. */
async function claimFor(stores: Stores, w: WebhookRecord, owner: string, now: number, leaseMs = 30_000) {
  const claimed: ClaimedDelivery[] = [];
  for (const candidate of await stores.outbox.due(now, 1000)) {
    if (candidate.delivery.webhookId !== w.id) continue;
    const taken = await stores.outbox.take(candidate, owner, now, leaseMs);
    if (taken) claimed.push(taken);
  }
  return claimed;
}

await describeEachStore('WebhookStore and EventOutboxStore contract', (stores, database) => {
  it('stores a webhook as given, lists it by owner, team or installation, and never holds a secret', async () => {
    const mine = await activeWebhook(stores, { creditsLowThreshold: 2_500_000_000n });
    const team = await activeWebhook(stores, { scope: 'team', teamId: `team_${randomBytes(6).toString('hex')}` });
    assert.deepEqual(await stores.webhooks.find(mine.id), mine);
    assert.deepEqual((await stores.webhooks.list({ ownerUserId: mine.ownerUserId }, { limit: 10 })).items, [mine]);
    assert.deepEqual((await stores.webhooks.list({ teamId: team.teamId! }, { limit: 10 })).items, [team]);
    assert.deepEqual((await stores.webhooks.list({ ownerUserId: team.ownerUserId }, { limit: 10 })).items, [], 'a team webhook is not its creator’s own');
    if (database.query) {
      const [row] = await database.query<Record<string, unknown>>('select * from webhooks where id = ?', [mine.id]);
      assert.ok(!Object.keys(row!).some((k) => k.includes('secret') && k !== 'secret_version' && k !== 'previous_secret_until'), 'no secret column');
    }
  });

  it('updates, rotates and deletes; turning a webhook on forgets its failures', async () => {
    const w = await activeWebhook(stores);
    await stores.webhooks.recordAttempt(w.id, false, T0 + 1);
    const failed = await stores.webhooks.recordAttempt(w.id, false, T0 + 2);
    assert.equal(failed?.consecutiveFailures, 2);
    assert.equal(failed?.failingSince, T0 + 1, 'the run of failures began at the first');
    assert.equal(await stores.webhooks.pause(w.id, T0 + 3), true);
    assert.equal(await stores.webhooks.pause(w.id, T0 + 4), false, 'paused once: a second pause changes nothing');
    assert.equal((await stores.webhooks.find(w.id))?.status, 'paused');
    const resumed = await stores.webhooks.update(w.id, { status: 'active', url: 'https://other.example.com/' }, T0 + 5);
    assert.deepEqual([resumed?.status, resumed?.consecutiveFailures, resumed?.failingSince, resumed?.url], ['active', 0, null, 'https://other.example.com/']);
    const rotated = await stores.webhooks.rotateSecret(w.id, T0 + 100, T0 + 6);
    assert.deepEqual([rotated?.secretVersion, rotated?.previousSecretUntil], [2, T0 + 100]);
    assert.equal(await stores.webhooks.delete(w.id), true);
    assert.equal(await stores.webhooks.delete(w.id), false);
    assert.equal(await stores.webhooks.find(w.id), undefined);
  });

  it('hands out a notice once per webhook, kind and subject', async () => {
    const w = await activeWebhook(stores);
    const claims = await Promise.all([1, 2, 3].map(() => stores.webhooks.claimNotice(w.id, 'token.expiring', 'tok_a@1', T0)));
    assert.deepEqual(claims.filter(Boolean).length, 1);
    assert.equal(await stores.webhooks.claimNotice(w.id, 'token.expiring', 'tok_a@2', T0), true, 'another expiry is another notice');
  });

  it('numbers events consecutively and makes their deliveries pending, due at once', async () => {
    const w = await activeWebhook(stores);
    const logged = await stores.outbox.append([outgoing('tok_n1', [w.id]), outgoing('tok_n2', [w.id])], T0);
    assert.equal(logged[1]!.seq, logged[0]!.seq + 1);
    assert.deepEqual(
      (await stores.outbox.since(logged[0]!.seq - 1, 2)).map((e) => e.subject),
      ['tok_n1', 'tok_n2'],
    );
    const page = await stores.outbox.listDeliveries(w.id, { limit: 10 });
    assert.deepEqual(
      page.items.map((d) => [d.subject, d.status, d.attempts, d.nextAttemptAt]),
      [
        ['tok_n2', 'pending', 0, T0],
        ['tok_n1', 'pending', 0, T0],
      ],
    );
    assert.deepEqual(logged[0]!.data, { token: { id: 'tok_n1' } });
  });

  it('leases a delivery to one claimer at a time, and to another once the lease has run out', async () => {
    const w = await activeWebhook(stores);
    await stores.outbox.append([outgoing('tok_l', [w.id])], T0);
    const at = T0 + 1000;
    const rounds = await Promise.all(['a', 'b', 'c', 'd'].map((owner) => claimFor(stores, w, owner, at)));
    assert.equal(rounds.flat().length, 1, 'exactly one claimer got it');
    const [first] = rounds.flat();
    assert.equal(first!.delivery.attempts, 1);
    assert.equal(first!.event.subject, 'tok_l');
    assert.deepEqual(await claimFor(stores, w, 'e', at + 29_999), [], 'not while the lease lasts');
    const [retaken] = await claimFor(stores, w, 'e', at + 30_000);
    assert.equal(retaken?.delivery.attempts, 2, 'a lapsed lease is taken over, and counted as another attempt');
    const owner = rounds.findIndex((r) => r.length === 1);
    assert.equal(
      await stores.outbox.complete(first!.delivery.id, 'abcd'[owner]!, { ok: true, statusCode: 200, error: null, at: at + 40_000, retryAt: null }),
      false,
      'the first holder lost it',
    );
    assert.equal(await stores.outbox.complete(first!.delivery.id, 'e', { ok: true, statusCode: 204, error: null, at: at + 40_000, retryAt: null }), true);
    const done = await stores.outbox.findDelivery(w.id, first!.delivery.id);
    assert.deepEqual([done?.status, done?.lastStatusCode, done?.deliveredAt, done?.nextAttemptAt], ['succeeded', 204, at + 40_000, null]);
  });

  it('takes nothing a stale read saw as due once another node has attempted it, nor for a paused webhook or behind an earlier delivery', async () => {
    const w = await activeWebhook(stores);
    await stores.outbox.append([outgoing('tok_s', [w.id])], T0);
    const at = T0 + 4_000_000;
    // Node A reads the delivery as due; before A takes it, node B claims it, fails and schedules a retry.
    const seenByA = (await stores.outbox.due(at, 1000)).find((c) => c.delivery.webhookId === w.id)!;
    const [byB] = await claimFor(stores, w, 'b', at);
    assert.equal(byB?.delivery.attempts, 1);
    await stores.outbox.complete(byB!.delivery.id, 'b', { ok: false, statusCode: 500, error: 'answered 500', at, retryAt: at + 60_000 });
    assert.equal(await stores.outbox.take(seenByA, 'a', at + 1, 30_000), undefined, 'the retry is not due yet: the backoff holds');
    const retried = await stores.outbox.take(seenByA, 'a', at + 60_000, 30_000);
    assert.deepEqual(
      [retried?.delivery.attempts, retried?.delivery.firstAttemptAt, retried?.delivery.lastAttemptAt, retried?.delivery.leaseUntil],
      [2, at, at + 60_000, at + 90_000],
      'counted from the row, not from the stale read',
    );
    assert.equal((await stores.outbox.findDelivery(w.id, seenByA.delivery.id))?.attempts, 2);

    // Read as due, then the webhook is paused before the take.
    const paused = await activeWebhook(stores);
    await stores.outbox.append([outgoing('tok_sp', [paused.id])], T0);
    const seenBeforePause = (await stores.outbox.due(at, 1000)).find((c) => c.delivery.webhookId === paused.id)!;
    await stores.webhooks.pause(paused.id, at);
    assert.equal(await stores.outbox.take(seenBeforePause, 'a', at, 30_000), undefined, 'a paused webhook gets nothing');

    // Read as due, then an earlier event of its subject is redelivered: it goes first.
    const line = await activeWebhook(stores);
    await stores.outbox.append([outgoing('tok_so', [line.id]), outgoing('tok_so', [line.id], 'token.revoked')], T0);
    const [first] = await claimFor(stores, line, 'b', at);
    await stores.outbox.complete(first!.delivery.id, 'b', { ok: true, statusCode: 200, error: null, at, retryAt: null });
    const seenSecond = (await stores.outbox.due(at, 1000)).find((c) => c.delivery.webhookId === line.id)!;
    assert.equal(seenSecond.event.type, 'token.revoked');
    await stores.outbox.redeliver(line.id, first!.delivery.id, newId('dlv', Date.now(), randomBytes), at);
    assert.equal(await stores.outbox.take(seenSecond, 'a', at, 30_000), undefined, 'an earlier delivery of its subject is pending again');
  });

  it('delivers in order per subject: a later event of a subject waits until the earlier one is final', async () => {
    const w = await activeWebhook(stores);
    await stores.outbox.append([outgoing('tok_o', [w.id]), outgoing('tok_o', [w.id], 'token.revoked'), outgoing('tok_other', [w.id])], T0);
    const at = T0 + 2_000_000;
    const first = await claimFor(stores, w, 'n1', at);
    assert.deepEqual(first.map((c) => [c.event.subject, c.event.type]).sort(), [
      ['tok_o', 'token.created'],
      ['tok_other', 'token.created'],
    ]);
    const created = first.find((c) => c.event.subject === 'tok_o')!;
    const other = first.find((c) => c.event.subject === 'tok_other')!;
    await stores.outbox.complete(other.delivery.id, 'n1', { ok: true, statusCode: 200, error: null, at, retryAt: null });
    // A failure with a retry keeps the line blocked, past its lease too.
    await stores.outbox.complete(created.delivery.id, 'n1', { ok: false, statusCode: 500, error: 'answered 500', at, retryAt: at + 60_000 });
    assert.deepEqual(await claimFor(stores, w, 'n2', at + 59_999), []);
    const retry = await claimFor(stores, w, 'n2', at + 60_000);
    assert.deepEqual(
      retry.map((c) => c.delivery.id),
      [created.delivery.id],
    );
    await stores.outbox.complete(created.delivery.id, 'n2', { ok: false, statusCode: null, error: 'gave up', at, retryAt: null });
    const next = await claimFor(stores, w, 'n3', at + 60_001);
    assert.deepEqual(
      next.map((c) => c.event.type),
      ['token.revoked'],
      'once the first is final (even failed), the next goes',
    );
    assert.equal((await stores.outbox.findDelivery(w.id, created.delivery.id))?.status, 'failed');
  });

  it('claims nothing for a paused webhook until it is resumed, then sends its backlog at once', async () => {
    const w = await activeWebhook(stores);
    await stores.outbox.append([outgoing('tok_p', [w.id])], T0);
    const at = T0 + 3_000_000;
    const [claimed] = await claimFor(stores, w, 'n1', at);
    await stores.outbox.complete(claimed!.delivery.id, 'n1', { ok: false, statusCode: 503, error: 'down', at, retryAt: at + 3_600_000 });
    await stores.webhooks.pause(w.id, at);
    assert.deepEqual(await claimFor(stores, w, 'n1', at + 7_200_000), []);
    await stores.webhooks.update(w.id, { status: 'active' }, at + 10);
    await stores.outbox.resume(w.id, at + 10);
    assert.deepEqual(
      (await claimFor(stores, w, 'n1', at + 10)).map((c) => c.delivery.id),
      [claimed!.delivery.id],
    );
  });

  it('redelivers an event as a new delivery with the same event id; an unknown delivery is undefined', async () => {
    const w = await activeWebhook(stores);
    const other = await activeWebhook(stores);
    const [logged] = await stores.outbox.append([outgoing('tok_r', [w.id])], T0);
    const [original] = (await stores.outbox.listDeliveries(w.id, { limit: 1 })).items;
    const again = await stores.outbox.redeliver(w.id, original!.id, newId('dlv', Date.now(), randomBytes), T0 + 5);
    assert.deepEqual([again?.eventId, again?.status, again?.attempts, again?.nextAttemptAt], [logged!.id, 'pending', 0, T0 + 5]);
    assert.equal(await stores.outbox.redeliver(other.id, original!.id, newId('dlv', Date.now(), randomBytes), T0), undefined, 'not through another webhook');
    assert.equal(await stores.outbox.findDelivery(other.id, original!.id), undefined);
  });

  it('forgets final deliveries and unreferenced events before a time, keeping pending ones', async () => {
    const w = await activeWebhook(stores);
    const base = T0 - 10 * 86_400_000;
    await stores.outbox.append([outgoing('tok_old', [w.id]), outgoing('tok_keep', [w.id])], base);
    const claimed = await claimFor(stores, w, 'n', base + 1);
    const old = claimed.find((c) => c.event.subject === 'tok_old')!;
    await stores.outbox.complete(old.delivery.id, 'n', { ok: true, statusCode: 200, error: null, at: base + 2, retryAt: null });
    assert.ok((await stores.outbox.prune(base + 1000)) >= 2);
    const left = (await stores.outbox.listDeliveries(w.id, { limit: 10 })).items.map((d) => d.subject);
    assert.deepEqual(left, ['tok_keep']);
  });

  it('forgets the pending deliveries of a deleted webhook, which no one would ever claim', async () => {
    const w = await activeWebhook(stores);
    await stores.webhooks.delete(w.id);
    // A publish that read the listeners before the delete appends after it.
    await stores.outbox.append([outgoing('tok_gone', [w.id])], T0);
    assert.deepEqual(await claimFor(stores, w, 'n', T0 + 1), []);
    assert.equal((await stores.outbox.listDeliveries(w.id, { limit: 10 })).items.length, 1);
    await stores.outbox.prune(T0 - 100 * 86_400_000);
    assert.deepEqual((await stores.outbox.listDeliveries(w.id, { limit: 10 })).items, [], 'pending, yet gone with its webhook');
  });
});
