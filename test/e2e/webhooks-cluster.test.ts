import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { postgresBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

/*
 * Webhooks delivered by several `tessera serve` processes sharing one PostgreSQL, to a real
 * receiver on loopback that verifies every request with the standardwebhooks package: in normal
 * operation each event arrives once, whichever node made it; a node killed (SIGKILL) while a
 * receiver holds its requests open loses no event, another node delivers it once the lease ends.
 */

const WEBHOOK_ENV = {
  TESSERA_WEBHOOK_ALLOW_PRIVATE: '1',
  TESSERA_WEBHOOK_POLL_MS: '100',
  TESSERA_WEBHOOK_TIMEOUT_MS: '2000',
  TESSERA_WEBHOOK_LEASE_MS: '3000',
  TESSERA_WEBHOOK_RETRY_BASE_MS: '200',
  TESSERA_WEBHOOK_RETRY_MAX_MS: '1000',
  TESSERA_FAILED_ATTEMPTS_PER_MINUTE: '0',
};

async function api(node: ServerProcess, admin: string, method: string, path: string, body?: object): Promise<any> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? null : res.json();
}

const probe = await postgresBackend();
const skip = typeof probe === 'string' ? probe : false;
if (typeof probe !== 'string') await probe.cleanup();

describe('webhooks across three processes on one PostgreSQL', { skip }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const receiver = new WebhookReceiver();
  const nodes: ServerProcess[] = [];
  let backend: ServerBackend;

  before(async () => {
    backend = (await postgresBackend()) as ServerBackend;
    await receiver.start();
    for (let i = 0; i < 3; i++) {
      nodes.push(await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, ...WEBHOOK_ENV, TESSERA_BOOTSTRAP_TOKEN: admin }));
    }
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await receiver.close();
    await backend?.cleanup();
  });

  it('delivers each event once, verified, in order per token, whichever node made it', async () => {
    const made = await api(nodes[0]!, admin, 'POST', '/v1/webhooks', { url: `${receiver.url}/cluster`, events: ['token.created', 'token.revoked'] });
    receiver.expect('/cluster', made.secret);
    const tokens: string[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const node = nodes[i % 3]!;
        const { token } = await api(node, admin, 'POST', '/v1/tokens', { name: `c${i}` });
        tokens.push(token.id);
        if (i % 2 === 0) await api(nodes[(i + 1) % 3]!, admin, 'POST', `/v1/tokens/${token.id}/revoke`);
      }),
    );
    const expected = 30 + 15;
    await waitFor(`${expected} deliveries`, () => (receiver.deliveredTo('/cluster').length >= expected ? true : undefined));
    // Whatever was to come twice would come within a few polls and leases: give it the time, then count.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const got = receiver.deliveredTo('/cluster');
    assert.deepEqual(
      got.filter((r) => r.verifyError !== undefined).map((r) => r.verifyError),
      [],
    );
    const ids = got.map((r) => r.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
    assert.equal(got.length, expected);
    for (const id of tokens) {
      const types = got.filter((r) => r.payload!.data.token.id === id).map((r) => r.payload!.type);
      assert.equal(types[0], 'token.created', `${id}: created first`);
    }
    const log = await api(nodes[2]!, admin, 'GET', `/v1/webhooks/${made.webhook.id}/deliveries?limit=200`);
    assert.deepEqual(new Set(log.items.map((d: any) => `${d.status}/${d.attempts}`)), new Set(['succeeded/1']));
  });

  it('keeps every event while the receiver is down, and delivers each, with its first id, once it is back', async () => {
    const made = await api(nodes[1]!, admin, 'POST', '/v1/webhooks', { url: `${receiver.url}/down`, events: ['token.created'] });
    receiver.expect('/down', made.secret);
    receiver.answer = (path) => (path === '/down' ? 503 : 200);
    for (let i = 0; i < 5; i++) await api(nodes[i % 3]!, admin, 'POST', '/v1/tokens', { name: `down${i}` });
    const refusedIds = () => new Set(receiver.received.filter((r) => r.path === '/down').map((r) => r.headers['webhook-id']));
    await waitFor('every event refused twice', () =>
      receiver.received.filter((r) => r.path === '/down').length >= 10 && refusedIds().size === 5 ? true : undefined,
    );
    const whileDown = refusedIds();
    receiver.answer = () => 200;
    await waitFor('all five delivered', () => (new Set(receiver.deliveredTo('/down').map((r) => r.headers['webhook-id'])).size === 5 ? true : undefined));
    const delivered = receiver.deliveredTo('/down');
    assert.deepEqual(
      delivered.filter((r) => r.verifyError !== undefined),
      [],
    );
    assert.deepEqual(new Set(delivered.map((r) => r.headers['webhook-id'])), whileDown, 'the ids tried while it was down are the ids delivered');
    assert.deepEqual(delivered.map((r) => r.payload!.data.token.name).sort(), ['down0', 'down1', 'down2', 'down3', 'down4']);
  });
});

describe('a node killed mid-delivery loses no event', { skip }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const receiver = new WebhookReceiver();
  let backend: ServerBackend;
  const nodes: ServerProcess[] = [];

  before(async () => {
    backend = (await postgresBackend()) as ServerBackend;
    await receiver.start();
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await receiver.close();
    await backend?.cleanup();
  });

  it('lets another node deliver, with the same ids, what the killed node held', async () => {
    // The receiver holds the attempts open for longer than the survivor takes to start, and shorter than their timeout.
    const env = { ...backend.env, ...WEBHOOK_ENV, TESSERA_WEBHOOK_TIMEOUT_MS: '8000', TESSERA_WEBHOOK_LEASE_MS: '9000', TESSERA_BOOTSTRAP_TOKEN: admin };
    const start = () => startServerProcess([...backend.args, '--log-level', 'warn'], env);
    const doomed = await start();
    nodes.push(doomed);
    const made = await api(doomed, admin, 'POST', '/v1/webhooks', { url: `${receiver.url}/killed`, events: ['token.created'] });
    receiver.expect('/killed', made.secret);
    let release!: () => void;
    receiver.hold = new Promise((resolve) => (release = resolve));
    for (const name of ['k1', 'k2', 'k3']) await api(doomed, admin, 'POST', '/v1/tokens', { name });
    // The only node has claimed all three, and the receiver holds them open.
    await waitFor('three held requests', () => (receiver.held === 3 ? true : undefined));
    const heldIds = new Set(receiver.heldRequests.map((r) => r.headers['webhook-id']));
    assert.equal(heldIds.size, 3);
    const survivor = await start();
    nodes.push(survivor);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    receiver.hold = undefined;
    release();
    await waitFor('the survivor to deliver all three', () => {
      const after = receiver.deliveredTo('/killed').filter((r) => r.verifyError === undefined);
      return new Set(after.map((r) => r.headers['webhook-id'])).size === 3 && after.length >= 6 ? true : undefined;
    });
    const delivered = receiver.deliveredTo('/killed');
    assert.deepEqual(
      delivered.map((r) => r.verifyError),
      delivered.map(() => undefined),
    );
    assert.deepEqual(new Set(delivered.map((r) => r.headers['webhook-id'])), heldIds, 'the same ids, none new, none lost');
    assert.deepEqual(delivered.map((r) => r.payload!.data.token.name).sort(), ['k1', 'k1', 'k2', 'k2', 'k3', 'k3']);
    // The receiver has answered; the survivor records each outcome just after.
    let log: any;
    for (let i = 0; i < 100; i++) {
      log = await api(survivor, admin, 'GET', `/v1/webhooks/${made.webhook.id}/deliveries`);
      if (log.items.every((d: any) => d.status !== 'pending')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      log.items.map((d: any) => [d.status, d.attempts >= 2]),
      [
        ['succeeded', true],
        ['succeeded', true],
        ['succeeded', true],
      ],
      'each attempted by the killed node, then by the survivor',
    );
  });
});
