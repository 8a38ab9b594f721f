import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUCKET_MS } from '../../src/core/analytics.js';
import { createVerifier } from '../../sdk/src/index.js';
import { startHarness, type Harness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

/*
 * What the SDK's in-process verifier answers itself reaches the server's analytics and the
 * tokens' use counts (POST /v1/verifier/usage), as if a node had answered; over real HTTP on
 * loopback. The verifier reads the real clock, so the server's is set to it.
 */

let h: Harness;
let base: string;

async function http(method: string, path: string, as: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${as}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function token(as: string, payload: object): Promise<{ id: string; secret: string }> {
  const made = await http('POST', '/v1/tokens', as, { name: `t${Math.random()}`, ...payload });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { id: made.body.token.id, secret: made.body.secret };
}

const minuteOf = (t: number) => t - (t % BUCKET_MS.minute);

/** The token's totals by outcome, and by tag, over the hour around now. */
async function counts(tokenId: string, groupBy: 'outcome' | 'tag' = 'outcome'): Promise<Record<string, number>> {
  await h.background.analytics!.flush();
  const now = h.clock.now();
  const answer = await http('GET', `/v1/analytics/verifications?tokenId=${tokenId}&groupBy=${groupBy}&from=${now - 3_600_000}&to=${now + 120_000}`, h.admin);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return Object.fromEntries(answer.body.series.map((s: { key: Record<string, string>; total: number }) => [s.key[groupBy], s.total]));
}

before(async () => {
  h = await startHarness();
  h.clock.time = Date.now();
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => h.close());

describe("the in-process verifier's own answers", () => {
  it('are counted by outcome and tag, and as uses of the token', async () => {
    const reader = await token(h.admin, { type: 'personal', scopes: ['verifier:read'] });
    const t = await token(h.admin, { scopes: ['docs:read'] });
    const verifier = createVerifier({ url: base, token: reader.secret, reportUsageMs: 60_000 });
    try {
      await verifier.live();
      // The first is asked of the server (which counts it); the verifier then knows the key.
      assert.equal((await verifier.verify(t.secret)).code, 'VALID');
      for (let i = 0; i < 5; i++) assert.equal((await verifier.verify(t.secret)).code, 'VALID');
      assert.equal((await verifier.verify(t.secret, { scopes: ['docs:read'], tags: ['route:/docs'] })).code, 'VALID');
      assert.equal((await verifier.verify(t.secret, { scopes: ['docs:write'], tags: ['route:/docs'] })).code, 'INSUFFICIENT_PERMISSIONS');
      await h.background.usage.flush();
      const before = (await h.stores.tokens.findById(t.id))!.useCount;
      await verifier.flushUsage();
      await h.background.usage.flush();
      assert.deepEqual(await counts(t.id), { VALID: 7, INSUFFICIENT_PERMISSIONS: 1 });
      assert.deepEqual(await counts(t.id, 'tag'), { 'route:/docs': 2 });
      assert.equal((await h.stores.tokens.findById(t.id))!.useCount, before + 6, 'the six VALID answers given in process are uses');
      // Nothing is sent twice.
      await verifier.flushUsage();
      assert.deepEqual(await counts(t.id), { VALID: 7, INSUFFICIENT_PERMISSIONS: 1 });
    } finally {
      await verifier.close();
    }
  });

  it('sends what it counted when closed', async () => {
    const reader = await token(h.admin, { type: 'personal', scopes: ['verifier:read'] });
    const t = await token(h.admin, {});
    const verifier = createVerifier({ url: base, token: reader.secret, reportUsageMs: 60_000 });
    await verifier.live();
    for (let i = 0; i < 3; i++) await verifier.verify(t.secret);
    await verifier.close();
    assert.deepEqual(await counts(t.id), { VALID: 3 });
  });
});

describe('POST /v1/verifier/usage', () => {
  const report = (as: string, counts: object[], query = '') => http('POST', `/v1/verifier/usage${query}`, as, { counts });

  it("ignores tokens the caller's verifier may not hold, and minutes over a day old", async () => {
    const member = await h.user(`m${Math.random()}`);
    const reader = await token(member.secret, { type: 'personal', scopes: ['verifier:read'] });
    const own = await token(member.secret, {});
    const others = await token(h.admin, {});
    const personal = await token(member.secret, { type: 'personal' });
    const minute = minuteOf(h.clock.now());
    const answer = await report(reader.secret, [
      { tokenId: own.id, minute, outcome: 'VALID', count: 4 },
      { tokenId: others.id, minute, outcome: 'VALID', count: 10 },
      { tokenId: personal.id, minute, outcome: 'VALID', count: 20 },
      { tokenId: 'tok_nonexistent', minute, outcome: 'VALID', count: 30 },
      { tokenId: own.id, minute: minute - BUCKET_MS.day - BUCKET_MS.minute, outcome: 'EXPIRED', count: 40 },
    ]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, { accepted: 4, ignored: 100 });
    assert.deepEqual(await counts(own.id), { VALID: 4 });
    assert.deepEqual(await counts(others.id), {});
    assert.deepEqual(await counts(personal.id), {});
  });

  it('refuses a malformed report whole, and changes nothing', async () => {
    const reader = await token(h.admin, { type: 'personal', scopes: ['verifier:read'] });
    const t = await token(h.admin, {});
    const minute = minuteOf(h.clock.now());
    const good = { tokenId: t.id, minute, outcome: 'VALID', count: 1 };
    // Management calls are uses of the caller's token too: written before the snapshot, so it sees only what the reports change.
    await h.background.usage.flush();
    const before = await storeSnapshot(h);
    for (const bad of [
      { ...good, minute: minute + 1 },
      { ...good, outcome: 'MAYBE' },
      { ...good, count: 0 },
      { ...good, tags: ['a', 'a'] },
      { ...good, extra: true },
    ]) {
      const answer = await report(reader.secret, [good, bad]);
      assert.equal(answer.status, 400, JSON.stringify(bad));
    }
    assert.equal(
      (
        await report(
          reader.secret,
          Array.from({ length: 1001 }, () => good),
        )
      ).status,
      400,
    );
    assert.deepEqual(await storeSnapshot(h), before);
    assert.deepEqual(await counts(t.id), {});
    // The callers' own uses aside, nothing was counted as a use of the reported token either.
    await h.background.usage.flush();
    const reported = (await h.stores.tokens.findById(t.id))!;
    assert.deepEqual([reported.useCount, reported.activeAt], [0, null]);
  });

  it('needs the verifier:read scope', async () => {
    const other = await token(h.admin, { type: 'personal', scopes: ['tokens:read'] });
    assert.equal((await report(other.secret, [])).status, 403);
  });
});
