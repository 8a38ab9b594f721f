import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpWebhookSender } from '../../src/adapters/http/webhook-sender.js';
import { startCliServer, timesIn, type CliServer } from '../support/cli-runner.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Webhooks from the `tessera` command against a real receiver on loopback, which verifies every
 * delivery with the standardwebhooks package and the secret the CLI printed. The dispatcher's
 * rounds are awaited, not timed.
 */
describe('tessera webhook commands', () => {
  let s: CliServer;
  const receiver = new WebhookReceiver();
  before(async () => {
    await receiver.start();
    s = await startCliServer({ webhooks: { transport: new HttpWebhookSender({ allowPrivate: true }), allowPrivate: true, timeoutMs: 2000 } });
  });
  after(async () => {
    await s.close();
    await receiver.close();
  });

  const deliver = async () => {
    const dispatcher = s.h.background.webhooks!.dispatcher!;
    await dispatcher.settled();
    await dispatcher.drain();
  };

  it('round-trips: create (secret once), list, update, show, test, deliveries, redeliver, rotate-secret, disable, delete', async () => {
    const path = '/hooks/cli';
    const created = await s.tessera([
      'webhook',
      'create',
      receiver.url + path,
      '--event',
      'token.created',
      '--event',
      'webhook.test',
      '--description',
      'from the cli',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const id = /webhook (whk_\w+)/.exec(created.stdout)?.[1];
    const secret = /^\s+(whsec_\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(id && secret, created.stdout);
    receiver.expect(path, secret);

    const list = await s.tessera(['webhook', 'list']);
    assert.match(list.stdout, new RegExp(`^${id}\\s+${receiver.url}${path}\\s+active\\s+user\\s+token\\.created,webhook\\.test`, 'm'));
    assert.ok(!list.stdout.includes(secret) && !(await s.tessera(['webhook', 'show', id])).stdout.includes(secret), 'the secret is shown once');

    const updated = await s.tessera([
      'webhook',
      'update',
      id,
      '--description',
      'changed',
      '--event',
      'webhook.test',
      '--event',
      'token.revoked',
      '--credits-low',
      '5',
    ]);
    assert.equal(updated.code, 0, updated.stderr);
    const show = await s.tessera(['webhook', 'show', id]);
    assert.match(show.stdout, /^description\s+changed$/m);
    assert.match(show.stdout, /^events\s+webhook\.test,token\.revoked$/m);
    assert.match(show.stdout, /^credits low at\s+5$/m);
    assert.deepEqual(
      timesIn(show.stdout).filter((t) => !t.zoned),
      [],
    );
    const cleared = await s.json(['webhook', 'update', id, '--no-credits-low']);
    assert.equal(cleared.creditsLowThreshold, null);

    const test = await s.json(['webhook', 'test', id]);
    await deliver();
    const got = receiver.deliveredTo(path);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.verifyError, undefined, 'signed with the printed secret');
    assert.equal(got[0]!.payload!.type, 'webhook.test');
    assert.equal(got[0]!.headers['webhook-id'], test.eventId);

    const deliveries = await s.json(['webhook', 'deliveries', id]);
    assert.deepEqual(
      deliveries.map((d: { eventId: string; status: string; lastStatusCode: number }) => [d.eventId, d.status, d.lastStatusCode]),
      [[test.eventId, 'succeeded', 200]],
    );
    const table = await s.tessera(['webhook', 'deliveries', id]);
    assert.match(table.stdout, new RegExp(`^${deliveries[0].id}\\s+${test.eventId}\\s+webhook\\.test\\s+succeeded\\s+1\\s+200`, 'm'));

    const again = await s.json(['webhook', 'redeliver', id, deliveries[0].id]);
    assert.notEqual(again.id, deliveries[0].id);
    await deliver();
    assert.deepEqual(
      receiver.deliveredTo(path).map((r) => [r.headers['webhook-id'], r.verifyError]),
      [
        [test.eventId, undefined],
        [test.eventId, undefined],
      ],
    );

    const rotated = await s.tessera(['webhook', 'rotate-secret', id]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = /^\s+(whsec_\S+)$/m.exec(rotated.stdout)?.[1];
    assert.ok(fresh && fresh !== secret, rotated.stdout);
    receiver.expect(path, fresh);
    await s.json(['webhook', 'test', id]);
    await deliver();
    const last = receiver.deliveredTo(path).at(-1)!;
    assert.equal(last.verifyError, undefined, 'signed with the new secret');

    assert.equal((await s.json(['webhook', 'update', id, '--disable'])).status, 'disabled');
    assert.equal((await s.tessera(['webhook', 'delete', id])).code, 0);
    const gone = await s.tessera(['webhook', 'show', id]);
    assert.equal(gone.code, 1);
    const direct = await s.h.request({ method: 'GET', url: `/v1/webhooks/${id}`, as: s.h.admin });
    assert.equal(gone.stderr.trim(), `tessera: ${direct.json().error.code}: ${direct.json().error.message}`);
  });

  it('refuses what the API refuses, and bad flags before sending', async () => {
    const before = (await s.json(['webhook', 'list'])).length;
    const noEvent = await s.tessera(['webhook', 'create', `${receiver.url}/x`]);
    assert.equal(noEvent.code, 1);
    assert.match(noEvent.stderr, /give at least one --event/);
    const badEvent = await s.tessera(['webhook', 'create', `${receiver.url}/x`, '--event', 'token.exploded']);
    assert.equal(badEvent.code, 1);
    assert.match(badEvent.stderr, /--event must be one of/);
    const badUrl = await s.tessera(['webhook', 'create', 'ftp://example.com/x', '--event', 'token.created']);
    assert.equal(badUrl.code, 1);
    assert.match(badUrl.stderr, /^tessera: [A-Z_]+: .+/);
    assert.equal((await s.json(['webhook', 'list'])).length, before, 'nothing was made');
  });

  it('refuses a webhook URL given as --url (the server flag) before sending, so the token never goes there', async () => {
    const made = await s.json(['webhook', 'create', `${receiver.url}/kept`, '--event', 'token.created']);
    const id = made.webhook.id as string;
    const before = (await s.json(['webhook', 'list'])).length;
    const seen = receiver.received.length;
    const runs = [
      ['webhook', 'update', id, '--url', 'https://example.com/x'],
      ['webhook', 'update', id, '--url', `${receiver.url}/moved`, '--disable'],
      ['webhook', 'create', `${receiver.url}/new`, '--url', `${receiver.url}/new`, '--event', 'token.created'],
      ['webhook', 'create', receiver.url, '--url', receiver.url, '--event', 'token.created'],
    ];
    for (const args of runs) {
      const run = await s.tessera(args);
      assert.equal(run.code, 1, args.join(' '));
      assert.match(run.stderr, /did you mean (--endpoint|the <endpoint> argument)\?/, args.join(' '));
    }
    assert.equal(receiver.received.length, seen, 'nothing reached the would-be endpoint, the admin token least of all');
    const stored = await s.h.stores.webhooks.find(id);
    assert.equal(stored?.url, `${receiver.url}/kept`);
    assert.equal(stored?.status, 'active');
    assert.equal((await s.json(['webhook', 'list'])).length, before, 'nothing was made');
    // The server's own URL is still a server URL here.
    const disabled = await s.tessera(['webhook', 'update', id, '--url', s.url, '--disable']);
    assert.equal(disabled.code, 0, disabled.stderr);
  });
});
