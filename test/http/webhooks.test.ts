import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, it } from 'node:test';
import { HttpWebhookSender } from '../../src/adapters/http/webhook-sender.js';
import { describeEachApp, withHarness } from '../support/app-harness.js';

const HOOK = 'https://hooks.example.com/tessera';

await describeEachApp('webhook routes', (h) => {
  let alice: { id: string; secret: string };
  let viewer: { id: string; secret: string };
  let outsider: { id: string; secret: string };
  let team: string;
  before(async () => {
    [alice, viewer, outsider] = (await Promise.all(['alice', 'vic', 'olga'].map((n) => h.user(n)))) as [typeof alice, typeof alice, typeof alice];
    team = (await h.request({ method: 'POST', url: '/v1/teams', as: alice.secret, payload: { slug: 'hooks' } })).json().team.id;
    await h.request({ method: 'POST', url: `/v1/teams/${team}/members`, as: alice.secret, payload: { userId: viewer.id, role: 'viewer' } });
  });
  const create = (as: string, payload: object) =>
    h.request({ method: 'POST', url: '/v1/webhooks', as, payload: { url: HOOK, events: ['token.created'], ...payload } });

  it('answers a Standard Webhooks secret once, and never again in any view', async () => {
    const res = await create(alice.secret, { description: 'mine', events: ['token.created', 'token.created', 'token.revoked'] });
    assert.equal(res.statusCode, 201);
    const { webhook, secret } = res.json();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    assert.deepEqual(
      [webhook.scope, webhook.status, webhook.events, webhook.ownerUserId, webhook.teamId],
      ['user', 'active', ['token.created', 'token.revoked'], alice.id, null],
    );
    const reads = [
      await h.request({ method: 'GET', url: `/v1/webhooks/${webhook.id}`, as: alice.secret }),
      await h.request({ method: 'GET', url: '/v1/webhooks', as: alice.secret }),
      await h.request({ method: 'GET', url: `/v1/audit?targetId=${webhook.id}`, as: alice.secret }),
      await h.request({ method: 'GET', url: `/v1/webhooks/${webhook.id}/deliveries`, as: alice.secret }),
    ];
    for (const read of reads) {
      assert.equal(read.statusCode, 200);
      assert.ok(!read.body.includes(secret.slice(6)), `no secret in ${read.body.slice(0, 80)}`);
    }
    assert.deepEqual(
      reads[1]!.json().items.map((w: any) => w.id),
      [webhook.id],
    );
    assert.deepEqual(
      reads[2]!.json().items.map((e: any) => e.action),
      ['webhook.create'],
    );
  });

  it('rotates to a new secret, and keeps no secret in the store', async () => {
    const { webhook, secret } = (await create(alice.secret, {})).json();
    const rotated = await h.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/rotate-secret`, as: alice.secret });
    assert.equal(rotated.json().webhook.secretVersion, 2);
    assert.notEqual(rotated.json().secret, secret);
    // Only the version is stored; the secret is derived from the server key when a delivery is signed.
    const stored = JSON.stringify(await h.stores.webhooks.find(webhook.id), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    for (const s of [secret, rotated.json().secret]) assert.ok(!stored.includes(s.slice(6)));
  });

  it('lets team owners and members manage a team webhook, viewers read it, others not see it', async () => {
    const made = await create(alice.secret, { teamId: team });
    assert.equal(made.json().webhook.scope, 'team');
    const id = made.json().webhook.id;
    assert.equal((await create(viewer.secret, { teamId: team })).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: `/v1/webhooks/${id}`, as: viewer.secret })).statusCode, 200);
    assert.equal((await h.request({ method: 'GET', url: `/v1/webhooks?teamId=${team}`, as: viewer.secret })).json().items.length, 1);
    assert.equal((await h.request({ method: 'PATCH', url: `/v1/webhooks/${id}`, as: viewer.secret, payload: { description: 'x' } })).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: `/v1/webhooks/${id}`, as: outsider.secret })).statusCode, 404);
    assert.equal((await h.request({ method: 'DELETE', url: `/v1/webhooks/${id}`, as: outsider.secret })).statusCode, 404);
    assert.equal((await h.request({ method: 'GET', url: `/v1/webhooks/${id}`, as: alice.secret })).statusCode, 200);
  });

  it('lets only admins make and list installation webhooks', async () => {
    assert.equal((await create(alice.secret, { installation: true })).statusCode, 403);
    const made = await create(h.admin, { installation: true });
    assert.equal(made.json().webhook.scope, 'installation');
    assert.equal((await h.request({ method: 'GET', url: '/v1/webhooks?installation=true', as: alice.secret })).statusCode, 403);
    assert.deepEqual(
      (await h.request({ method: 'GET', url: '/v1/webhooks?installation=true', as: h.admin })).json().items.map((w: any) => w.id),
      [made.json().webhook.id],
    );
    assert.equal((await create(h.admin, { installation: true, teamId: team })).statusCode, 400);
  });

  it('updates, turns off and on, and deletes; a refused update changes nothing', async () => {
    const { webhook } = (await create(alice.secret, {})).json();
    const url = `/v1/webhooks/${webhook.id}`;
    const off = await h.request({ method: 'PATCH', url, as: alice.secret, payload: { enabled: false, events: ['token.revoked'], creditsLowThreshold: '2.5' } });
    assert.deepEqual([off.json().status, off.json().events, off.json().creditsLowThreshold], ['disabled', ['token.revoked'], '2.5']);
    assert.equal((await h.request({ method: 'PATCH', url, as: alice.secret, payload: { url: 'http://127.0.0.1:9/' } })).statusCode, 400);
    assert.equal((await h.request({ method: 'GET', url, as: alice.secret })).json().url, HOOK);
    assert.equal((await h.request({ method: 'PATCH', url, as: alice.secret, payload: { enabled: true } })).json().status, 'active');
    assert.equal((await h.request({ method: 'DELETE', url, as: alice.secret })).statusCode, 204);
    assert.equal((await h.request({ method: 'GET', url, as: alice.secret })).statusCode, 404);
    assert.equal((await h.request({ method: 'POST', url: `${url}/test`, as: alice.secret })).statusCode, 404);
  });

  it('refuses a redelivery of a delivery that is not this webhook’s', async () => {
    const { webhook } = (await create(alice.secret, {})).json();
    const res = await h.request({ method: 'POST', url: `/v1/webhooks/${webhook.id}/deliveries/dlv_nope/redeliver`, as: alice.secret });
    assert.deepEqual([res.statusCode, res.json().error.code], [404, 'NOT_FOUND']);
  });

  it('needs webhooks scopes: a token with only tokens:* can do nothing with webhooks', async () => {
    const narrow = (
      await h.request({ method: 'POST', url: '/v1/tokens', as: alice.secret, payload: { name: 'narrow', type: 'personal', scopes: ['tokens:*'] } })
    ).json().secret;
    assert.equal((await create(narrow, {})).statusCode, 403);
    assert.equal((await h.request({ method: 'GET', url: '/v1/webhooks', as: narrow })).statusCode, 403);
    const reader = (
      await h.request({ method: 'POST', url: '/v1/tokens', as: alice.secret, payload: { name: 'reader', type: 'personal', scopes: ['webhooks:read'] } })
    ).json().secret;
    assert.equal((await h.request({ method: 'GET', url: '/v1/webhooks', as: reader })).statusCode, 200);
    assert.equal((await create(reader, {})).statusCode, 403);
  });
});

describe('SSRF: webhook URLs and the addresses deliveries connect to', () => {
  const refused = [
    'http://127.0.0.1/hook',
    'http://127.1/hook',
    'http://0.0.0.0/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://localhost:8080/',
    'http://metadata.google.internal/',
    'http://2130706433/',
    'ftp://hooks.example.com/',
    'file:///etc/passwd',
    'https://user:pass@hooks.example.com/',
    'not a url',
  ];
  it('refuses private, loopback, link-local, metadata and non-http URLs, and stores nothing', async () => {
    await withHarness(async (h) => {
      for (const url of refused) {
        const res = await h.request({ method: 'POST', url: '/v1/webhooks', as: h.admin, payload: { url, events: ['token.created'] } });
        assert.deepEqual([url, res.statusCode, res.json().error?.code], [url, 400, 'VALIDATION_ERROR']);
      }
      assert.deepEqual((await h.request({ method: 'GET', url: '/v1/webhooks', as: h.admin })).json().items, []);
      assert.equal((await h.request({ method: 'POST', url: '/v1/webhooks', as: h.admin, payload: { url: HOOK, events: ['token.created'] } })).statusCode, 201);
    });
  });

  it('checks every address a name resolves to, and connects to the one it checked', async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.headers.host ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const rebinding = new HttpWebhookSender({
        allowPrivate: false,
        resolve: (_n, _f, done) =>
          done(null, [
            { address: '93.184.216.34', family: 4 },
            { address: '127.0.0.1', family: 4 },
          ]),
      });
      const refusedAnswer = await rebinding.send({ url: `http://receiver.example:${port}/`, headers: {}, body: '{}' }, 2000);
      assert.equal(refusedAnswer.ok, false);
      assert.match(refusedAnswer.error!, /127\.0\.0\.1, not a public address/);
      const literal = await new HttpWebhookSender({ allowPrivate: false }).send({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' }, 2000);
      assert.equal(literal.ok, false);
      assert.deepEqual(hits, [], 'no request reached the private address');
      // Allowed (the tests' loopback): the name resolves only through the sender's lookup, and the request arrives.
      const allowed = new HttpWebhookSender({ allowPrivate: true, resolve: (_n, _f, done) => done(null, [{ address: '127.0.0.1', family: 4 }]) });
      const delivered = await allowed.send({ url: `http://receiver.invalid:${port}/`, headers: {}, body: '{}' }, 2000);
      assert.deepEqual([delivered.ok, delivered.statusCode, hits], [true, 200, [`receiver.invalid:${port}`]]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives up on a receiver that does not answer in time, and does not follow redirects', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/redirect') res.writeHead(307, { location: 'http://169.254.169.254/' }).end();
      // /slow is never answered.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const sender = new HttpWebhookSender({ allowPrivate: true });
      const slow = await sender.send({ url: `${base}/slow`, headers: {}, body: '{}' }, 200);
      assert.deepEqual([slow.ok, slow.statusCode], [false, null]);
      assert.match(slow.error!, /no answer within 200 ms/);
      const redirect = await sender.send({ url: `${base}/redirect`, headers: {}, body: '{}' }, 2000);
      assert.deepEqual([redirect.ok, redirect.statusCode], [false, 307]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
