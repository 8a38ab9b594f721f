import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/core/digest.js';
import type { ChangeSignal, SignalHandlers } from '../../src/service/change-feed.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import type { TokenChange } from '../../src/store/change-log-store.js';
import { gracefulClose } from '../../src/http/graceful-close.js';
import { describeEachApp, startHarness, type Harness } from '../support/app-harness.js';
import { EventStreamClient } from '../support/event-stream-client.js';
import { overrideMethod } from '../support/store-override.js';

/*
 * The verifiers' snapshot and change stream (docs/sdk.md), over real HTTP on loopback: what a
 * verifier of each caller gets, resuming, resets, heartbeats, and that no secret is ever in them.
 */

const digest64 = (secret: string) => digestSecret(secret).toString('base64url');

interface World {
  base: string;
  team: string;
  otherTeam: string;
  /** A member of `team` whose personal token may only read verifiers (and is limited to the team). */
  teamVerifier: string;
  member: { id: string; secret: string };
  outsider: { id: string; secret: string };
  /** Every secret made here: none may appear in a snapshot or a stream. */
  secrets: string[];
}

async function makeWorld(h: Harness): Promise<World> {
  const ok = async (options: Parameters<Harness['request']>[0]) => {
    const res = await h.request(options);
    assert.ok(res.statusCode < 300, `${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const member = await h.user(`member-${Math.random()}`);
  const outsider = await h.user(`outsider-${Math.random()}`);
  const team = (await ok({ method: 'POST', url: '/v1/teams', as: h.admin, payload: { slug: `verifier-team-${Date.now()}` } })).team.id;
  await ok({ method: 'POST', url: `/v1/teams/${team}/members`, as: h.admin, payload: { userId: member.id, role: 'member' } });
  const otherTeam = (await ok({ method: 'POST', url: '/v1/teams', as: outsider.secret, payload: { slug: `other-${Date.now()}` } })).team.id;
  const teamVerifier = (
    await ok({ method: 'POST', url: '/v1/tokens', as: member.secret, payload: { name: 'verifier', type: 'personal', teamId: team, scopes: ['verifier:read'] } })
  ).secret;
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  return { base, team, otherTeam, teamVerifier, member, outsider, secrets: [member.secret, outsider.secret, teamVerifier, h.admin] };
}

async function create(h: Harness, w: World, as: string, payload: object, query = ''): Promise<{ id: string; secret: string }> {
  const res = await h.request({ method: 'POST', url: `/v1/tokens${query}`, as, payload: { name: `t-${Math.random()}`, ...payload } });
  assert.equal(res.statusCode, 201, res.body);
  const { token, secret } = res.json();
  w.secrets.push(secret);
  return { id: token.id, secret };
}

async function revoke(h: Harness, as: string, id: string): Promise<void> {
  const res = await h.request({ method: 'POST', url: `/v1/tokens/${id}/revoke`, as });
  assert.equal(res.statusCode, 200, res.body);
}

function assertNoSecret(w: World, text: string): void {
  for (const secret of w.secrets) assert.ok(!text.includes(secret), 'a secret is in the answer');
  assert.doesNotMatch(text, /"secret"/);
}

await describeEachApp('verifier snapshot and change stream', (h) => {
  const w = {} as World;
  const open: EventStreamClient[] = [];
  const stream = async (query = '', as?: string, headers?: Record<string, string>) => {
    const client = await EventStreamClient.open(`${w.base}/v1/verifier/changes${query}`, as ?? h.admin, headers);
    open.push(client);
    return client;
  };
  before(async () => Object.assign(w, await makeWorld(h)));
  after(() => open.forEach((c) => c.close()));

  it('snapshots live api and resource tokens by digest, in pages, never a secret or a personal token', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await create(h, w, h.admin, {}, `?teamId=${w.team}`));
    const revoked = await create(h, w, h.admin, {}, `?teamId=${w.team}`);
    await revoke(h, h.admin, revoked.id);
    const personal = await create(h, w, h.admin, { type: 'personal', scopes: ['tokens:read'] }, `?teamId=${w.team}`);
    const elsewhere = await create(h, w, w.outsider.secret, {}, `?teamId=${w.otherTeam}`);

    const seen = new Map<string, string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await h.request({ method: 'GET', url: `/v1/verifier/snapshot?limit=2${cursor ? `&cursor=${cursor}` : ''}`, as: w.teamVerifier });
      assert.equal(res.statusCode, 200, res.body);
      assertNoSecret(w, res.body);
      const page = res.json();
      assert.ok(page.items.length <= 2);
      for (const item of page.items) {
        assert.ok(!seen.has(item.digest), 'each token once');
        seen.set(item.digest, item.token.id);
        assert.equal(item.token.teamId, w.team, "the team's tokens only");
        assert.notEqual(item.token.type, 'personal');
        assert.equal(item.token.status, 'active');
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual([...seen.keys()].sort(), made.map((t) => digest64(t.secret)).sort());
    for (const hidden of [revoked, personal, elsewhere]) assert.ok(!seen.has(digest64(hidden.secret)));

    // An admin not limited to a team holds everyone's: the other team's token too.
    const all = (await h.request({ method: 'GET', url: '/v1/verifier/snapshot?limit=1000', as: h.admin })).json();
    assert.ok(all.items.some((i: { digest: string }) => i.digest === digest64(elsewhere.secret)));
    assert.ok(!all.items.some((i: { digest: string }) => i.digest === digest64(personal.secret)));
  });

  it("takes the snapshot's seq from the log before reading the tokens", async () => {
    const order: string[] = [];
    const stores = h.stores;
    const log = stores.changes;
    const tokens = stores.tokens;
    Object.assign(stores, {
      changes: overrideMethod(log, 'latest', (latest) => async () => (order.push('seq'), latest())),
      tokens: overrideMethod(tokens, 'list', (list) => async (q) => (order.push('tokens'), list(q))),
    });
    try {
      // The service holds the stores it was made with: a fresh harness over the wrapped ones.
      const h2 = await startHarness(stores);
      try {
        const res = await h2.request({ method: 'GET', url: '/v1/verifier/snapshot', as: h.admin });
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json().seq, await log.latest());
      } finally {
        await h2.close();
      }
    } finally {
      Object.assign(stores, { changes: log, tokens });
    }
    assert.deepEqual(order.slice(-2), ['seq', 'tokens']);
  });

  it('streams from the latest: ready, then each change as it is made, with its digest and number', async () => {
    const latest = await h.stores.changes.latest();
    const client = await stream();
    assert.equal(client.status, 200);
    assert.match(String(client.headers['content-type']), /^text\/event-stream/);
    const [ready] = await client.waitForEvents('ready', 1);
    assert.deepEqual(JSON.parse(ready!.data!), { seq: latest });
    assert.equal(ready!.id, String(latest));
    const token = await create(h, w, h.admin, {});
    await revoke(h, h.admin, token.id);
    const [change] = await client.waitForEvents('change', 1);
    const data = JSON.parse(change!.data!);
    assert.deepEqual(Object.keys(data).sort(), ['at', 'digest', 'seq']);
    assert.equal(data.digest, digest64(token.secret));
    assert.equal(data.seq, latest + 1);
    assert.equal(change!.id, String(latest + 1));
    assertNoSecret(w, client.text);
    client.close();
  });

  it('resumes after Last-Event-ID (or ?after=) losing nothing, in order', async () => {
    const first = await stream();
    await first.waitForEvents('ready', 1);
    const tokens = await Promise.all(Array.from({ length: 6 }, () => create(h, w, h.admin, {})));
    await revoke(h, h.admin, tokens[0]!.id);
    await first.waitForEvents('change', 1);
    first.close();
    const resumeFrom = first.lastEventId!;
    // Made while no stream listened.
    for (const t of tokens.slice(1)) await revoke(h, h.admin, t.id);

    for (const [query, headers] of [
      ['', { 'last-event-id': resumeFrom }],
      [`?after=${resumeFrom}`, {}],
      // The header wins: EventSource reconnects with the first URL and the newest id.
      ['?after=0', { 'last-event-id': resumeFrom }],
    ] as const) {
      const again = await stream(query, undefined, headers);
      await again.waitForEvents('ready', 1);
      const changes = again.events('change').map((e) => JSON.parse(e.data!));
      assert.deepEqual(
        changes.map((c) => c.digest),
        tokens.slice(1).map((t) => digest64(t.secret)),
      );
      assert.deepEqual(
        changes.map((c) => c.seq),
        changes.map((_, i) => Number(resumeFrom) + 1 + i),
      );
      again.close();
    }
  });

  it('sends reset when the number asked for is no longer in the log, or is beyond it', async () => {
    const token = await create(h, w, h.admin, {});
    await revoke(h, h.admin, token.id);
    const old = await h.stores.changes.latest();
    await revoke(h, h.admin, (await create(h, w, h.admin, {})).id);
    h.clock.advance(10_000);
    await h.stores.changes.prune(h.clock.now());
    const latest = await h.stores.changes.latest();
    for (const after of [old - 1, latest + 1000]) {
      const client = await stream(`?after=${after}`);
      const [ready] = await client.waitForEvents('ready', 1);
      const resets = client.events('reset');
      assert.equal(resets.length, 1, `after=${after}`);
      assert.deepEqual(JSON.parse(resets[0]!.data!), { seq: latest });
      assert.deepEqual(JSON.parse(ready!.data!), { seq: latest });
      assert.equal(client.events('change').length, 0);
      client.close();
    }
  });

  it("gives a team's verifier only that team's changes; an outsider may not ask for the team", async () => {
    const teamStream = await stream('', w.teamVerifier);
    const memberStream = await stream(`?teamId=${w.team}`, w.member.secret);
    const own = await stream('', w.outsider.secret);
    for (const c of [teamStream, memberStream, own]) await c.waitForEvents('ready', 1);
    const ours = await create(h, w, h.admin, {}, `?teamId=${w.team}`);
    const theirs = await create(h, w, w.outsider.secret, {}, `?teamId=${w.otherTeam}`);
    const outsidersOwn = await create(h, w, w.outsider.secret, {});
    const personal = await create(h, w, h.admin, { type: 'personal', scopes: ['tokens:read'] }, `?teamId=${w.team}`);
    for (const t of [theirs, personal, ours, outsidersOwn]) await revoke(h, h.admin, t.id);
    for (const c of [teamStream, memberStream]) {
      const [change] = await c.waitForEvents('change', 1);
      assert.equal(JSON.parse(change!.data!).digest, digest64(ours.secret));
    }
    const [ownChange] = await own.waitForEvents('change', 1);
    assert.equal(JSON.parse(ownChange!.data!).digest, digest64(outsidersOwn.secret));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(teamStream.events('change').length, 1, 'nothing of another team, nor a personal token');
    assert.equal(own.events('change').length, 1);

    const refused = await EventStreamClient.open(`${w.base}/v1/verifier/changes?teamId=${w.team}`, w.outsider.secret);
    assert.equal(refused.status, 403);
    const snapshot = await h.request({ method: 'GET', url: `/v1/verifier/snapshot?teamId=${w.otherTeam}`, as: w.teamVerifier });
    assert.equal(snapshot.statusCode, 403);
    for (const c of [teamStream, memberStream, own]) c.close();
  });

  it('needs the verifier:read scope', async () => {
    const narrow = await create(h, w, h.admin, { type: 'personal', scopes: ['tokens:read'] });
    const res = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, narrow.secret);
    assert.equal(res.status, 403);
    assert.equal((await h.request({ method: 'GET', url: '/v1/verifier/snapshot', as: narrow.secret })).statusCode, 403);
    assert.equal((await EventStreamClient.open(`${w.base}/v1/verifier/changes`, 'tsr_nope')).status, 401);
  });
});

/** A signal the test drives, to take a node's change feed down and up. */
class ManualSignal implements ChangeSignal {
  readonly name = 'manual';
  handlers: SignalHandlers | undefined;
  async publish(_changes: readonly TokenChange[]) {}
  async listen(handlers: SignalHandlers) {
    this.handlers = handlers;
    handlers.onUp();
  }
  async close() {}
}

describe('verifier change streams on one node', () => {
  it('ends a stream at a heartbeat once its caller may no longer hold it: removed from the team, token suspended, user disabled', async () => {
    const h = await startHarness(createMemoryStores(), { streamHeartbeatMs: 50 });
    try {
      const w = await makeWorld(h);
      const ok = async (options: Parameters<Harness['request']>[0]) => {
        const res = await h.request(options);
        assert.ok(res.statusCode < 300, `${options.method} ${options.url} → ${res.statusCode} ${res.body}`);
        return res.json();
      };
      const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
      // Still allowed: several heartbeats pass and the stream stays.
      const kept = await EventStreamClient.open(`${w.base}/v1/verifier/changes?teamId=${w.team}`, w.teamVerifier);
      await kept.waitForEvents('ready', 1);
      await pause();
      assert.equal(kept.ended, false);
      assert.equal((await h.request({ method: 'DELETE', url: `/v1/teams/${w.team}/members/${w.member.id}`, as: h.admin })).statusCode, 204);
      await kept.waitForEnd();

      // A verifier token of the outsider's own, suspended; then one of a user who is disabled.
      const own = await ok({
        method: 'POST',
        url: '/v1/tokens',
        as: w.outsider.secret,
        payload: { name: 'own verifier', type: 'personal', scopes: ['verifier:read'] },
      });
      const suspended = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, own.secret);
      await suspended.waitForEvents('ready', 1);
      await ok({ method: 'POST', url: `/v1/tokens/${own.token.id}/disable`, as: w.outsider.secret });
      await suspended.waitForEnd();
      await ok({ method: 'POST', url: `/v1/tokens/${own.token.id}/enable`, as: w.outsider.secret });
      const offboarded = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, own.secret);
      await offboarded.waitForEvents('ready', 1);
      await ok({ method: 'POST', url: `/v1/users/${w.outsider.id}/disable`, as: h.admin });
      await offboarded.waitForEnd();
      assert.equal((await EventStreamClient.open(`${w.base}/v1/verifier/changes`, own.secret)).status, 401);
    } finally {
      await h.close();
    }
  });

  it('heartbeats every TESSERA_STREAM_HEARTBEAT_MS, carrying the position past changes the verifier may not see', async () => {
    const h = await startHarness(createMemoryStores(), { streamHeartbeatMs: 50 });
    try {
      const w = await makeWorld(h);
      const client = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, w.teamVerifier);
      await client.waitForEvents('ready', 1);
      const before = Number(client.lastEventId);
      const theirs = await create(h, w, w.outsider.secret, {}, `?teamId=${w.otherTeam}`);
      await revoke(h, w.outsider.secret, theirs.id);
      const moved = await (async () => {
        for (let i = 0; i < 100 && Number(client.lastEventId) === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
        return Number(client.lastEventId);
      })();
      assert.equal(moved, before + 1, 'the heartbeat moved the id on');
      assert.equal(client.events('change').length, 0);
      assert.deepEqual(
        client.events('position').map((e) => JSON.parse(e.data!).seq),
        [moved],
        'as an event, which EventSource parsers dispatch',
      );
      const pings = client.blocks.filter((b) => b.comment === 'ping');
      assert.ok(pings.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(client.blocks.filter((b) => b.comment === 'ping').length >= 3, 'a ping every 50 ms');
      client.close();
    } finally {
      await h.close();
    }
  });

  it('serves 150 streams at once, each getting every change, and still verifies', async () => {
    const h = await startHarness();
    try {
      const w = await makeWorld(h);
      const clients = await Promise.all(Array.from({ length: 150 }, () => EventStreamClient.open(`${w.base}/v1/verifier/changes`, h.admin)));
      await Promise.all(clients.map((c) => c.waitForEvents('ready', 1)));
      const tokens = await Promise.all(Array.from({ length: 5 }, () => create(h, w, h.admin, {})));
      for (const t of tokens) await revoke(h, h.admin, t.id);
      await Promise.all(clients.map((c) => c.waitForEvents('change', 5)));
      for (const c of clients) {
        assert.deepEqual(
          c.events('change').map((e) => JSON.parse(e.data!).digest),
          tokens.map((t) => digest64(t.secret)),
        );
      }
      const live = await create(h, w, h.admin, {});
      const verified = await fetch(`${w.base}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: live.secret }),
      });
      assert.equal(((await verified.json()) as { valid: boolean }).valid, true);
      clients.forEach((c) => c.close());
    } finally {
      await h.close();
    }
  });

  it("ends every stream with `stale` when the node's change feed goes down, and refuses new ones (503) until it is back", async () => {
    const signal = new ManualSignal();
    const h = await startHarness(createMemoryStores(), { changeSignal: signal });
    try {
      await h.background.changes.start();
      const w = await makeWorld(h);
      const client = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, h.admin);
      await client.waitForEvents('ready', 1);
      signal.handlers!.onDown(new Error('cut'));
      await client.waitForEvents('stale', 1);
      await client.waitForEnd();
      const refused = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, h.admin);
      assert.equal(refused.status, 503);
      await refused.waitForEnd();
      assert.equal(JSON.parse(refused.text).error.code, 'UNAVAILABLE');
      signal.handlers!.onUp();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await EventStreamClient.open(`${w.base}/v1/verifier/changes`, h.admin);
      assert.equal(again.status, 200);
      await again.waitForEvents('ready', 1);
      again.close();
    } finally {
      await h.background.changes.close();
      await h.close();
    }
  });

  it('lets a graceful close end open streams instead of waiting for them', async () => {
    const h = await startHarness();
    const close = gracefulClose(h.app);
    const w = await makeWorld(h);
    const clients = await Promise.all(Array.from({ length: 5 }, () => EventStreamClient.open(`${w.base}/v1/verifier/changes`, h.admin)));
    await Promise.all(clients.map((c) => c.waitForEvents('ready', 1)));
    const started = Date.now();
    const cut = await close(10_000);
    assert.equal(cut, 0, 'no connection had to be cut');
    assert.ok(Date.now() - started < 5_000);
    await Promise.all(clients.map((c) => c.waitForEnd()));
    await h.background.usage.stop();
  });
});
