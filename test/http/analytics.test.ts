import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BUCKET_MS } from '../../src/core/analytics.js';
import { VERIFY_CODES, type VerifyCode } from '../../src/core/verify.js';
import { createVerifier, Tessera } from '../../sdk/src/index.js';
import { startHarness, type Harness } from '../support/app-harness.js';

/*
 * Verification analytics through the API, over real HTTP on loopback (so plain POST /v1/verify
 * takes the fast path): what each verification path counts, tags, granularity, and who sees which
 * series.
 */

interface Answer {
  status: number;
  body: any;
}

let h: Harness;
let base: string;

async function http(
  method: string,
  path: string,
  { as, body, headers = {} }: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(as ? { authorization: `Bearer ${as}` } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function token(as: string, payload: object, query = ''): Promise<{ id: string; secret: string }> {
  const made = await http('POST', `/v1/tokens${query}`, { as, body: { name: `t${Math.random()}`, ...payload } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { id: made.body.token.id, secret: made.body.secret };
}

const flush = () => h.background.analytics!.flush();
const read = (as: string, query: string) => http('GET', `/v1/analytics/verifications?${query}`, { as });

before(async () => {
  h = await startHarness();
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => h.close());

describe('verification analytics', () => {
  it('counts every outcome of /v1/verify, the batch and forward-auth, with the credits spent', async () => {
    const expected = Object.fromEntries(VERIFY_CODES.map((c) => [c, 0])) as Record<VerifyCode, number>;
    const metered = await token(h.admin, { credits: '10' });
    const revoked = await token(h.admin, {});
    await http('POST', `/v1/tokens/${revoked.id}/revoke`, { as: h.admin });
    const expiring = await token(h.admin, { expiresAt: h.clock.now() + 1000 });
    const scoped = await token(h.admin, { scopes: ['read'] });
    const allowlisted = await token(h.admin, { ipAllowlist: ['10.0.0.1'] });
    const limited = await token(h.admin, { rateLimits: [{ name: 'r', limit: 1, durationMs: 3_600_000 }] });
    const poor = await token(h.admin, { credits: '1' });
    h.clock.advance(2000);
    const verify = async (body: object, code: VerifyCode) => {
      const answer = await http('POST', '/v1/verify', { body });
      assert.equal(answer.body.code, code);
      expected[code]++;
    };
    await verify({ token: metered.secret, cost: '0.25' }, 'VALID');
    await verify({ token: metered.secret, cost: '1.5' }, 'VALID');
    await verify({ token: revoked.secret }, 'REVOKED');
    await verify({ token: expiring.secret }, 'EXPIRED');
    await verify({ token: scoped.secret, scopes: ['write'] }, 'INSUFFICIENT_PERMISSIONS');
    await verify({ token: allowlisted.secret, ip: '10.0.0.2' }, 'FORBIDDEN');
    await verify({ token: limited.secret }, 'VALID');
    await verify({ token: limited.secret }, 'RATE_LIMITED');
    await verify({ token: poor.secret }, 'VALID');
    await verify({ token: poor.secret }, 'USAGE_EXCEEDED');
    await verify({ token: `tsk_${'x'.repeat(40)}` }, 'NOT_FOUND');

    const batch = await http('POST', '/v1/verify/batch', {
      body: { tokens: [metered.secret, revoked.secret, 'nope', { token: metered.secret, cost: '2' }], cost: '0' },
    });
    assert.deepEqual(
      batch.body.results.map((r: { code: string }) => r.code),
      ['VALID', 'REVOKED', 'NOT_FOUND', 'VALID'],
    );
    expected.VALID += 2;
    expected.REVOKED++;
    expected.NOT_FOUND++;

    for (const [key, status, code] of [
      [metered.secret, 200, 'VALID'],
      [revoked.secret, 401, 'REVOKED'],
    ] as const) {
      const answer = await fetch(`${base}/v1/forward-auth?cost=0.5&tag=gateway`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(answer.status, status);
      expected[code]++;
    }
    await flush();

    const answer = await read(h.admin, `groupBy=outcome&granularity=minute&from=${h.clock.now() - 3_600_000}&to=${h.clock.now() + 60_000}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.granularity, 'minute');
    const totals = Object.fromEntries(answer.body.series.map((s: { key: { outcome: string }; total: number }) => [s.key.outcome, s.total]));
    assert.deepEqual(totals, Object.fromEntries(Object.entries(expected).filter(([, n]) => n > 0)));
    const sorted = [...answer.body.series].sort((a, b) => b.total - a.total);
    assert.deepEqual(
      answer.body.series.map((s: { total: number }) => s.total),
      sorted.map((s) => s.total),
      'busiest first',
    );
    // Spent by the VALID ones: 0.25 + 1.5, 1 (the default cost; the rate-limited token has no credits), 0 and 2 in the batch, 0.5 at forward-auth.
    const valid = answer.body.series.find((s: { key: { outcome: string } }) => s.key.outcome === 'VALID');
    assert.equal(valid.points.length, 1);
    assert.equal(valid.points[0].credits, '5.25');
    assert.equal(valid.points[0].t % BUCKET_MS.minute, 0);
  });

  it('counts the verifications of introspection, the token exchange, Unleash /edge/validate and Edge Config reads', async () => {
    h.clock.advance(BUCKET_MS.day);
    const from = h.clock.now();
    const t = await token(h.admin, {});
    const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      });
    const introspected = await form('/oauth/introspect', { token: t.secret }, { authorization: `Bearer ${h.admin}` });
    assert.equal(((await introspected.json()) as { active: boolean }).active, true);
    const exchanged = await form('/oauth/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: t.secret,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    assert.equal(exchanged.status, 200, await exchanged.clone().text());
    const validated = await http('POST', '/edge/validate', { body: { tokens: [t.secret] } });
    assert.equal(validated.status, 200);
    const config = await http('POST', '/v1/edge-config', { as: h.admin, body: { slug: `c${from}`, items: { a: 1 } } });
    const reader = await http('POST', `/v1/edge-config/${config.body.id}/token`, { as: h.admin, body: { label: 'reader' } });
    assert.equal((await http('GET', `/${config.body.id}/items`, { as: reader.body.token })).status, 200);
    await flush();
    const window = `from=${from}&to=${from + 60_000}&groupBy=token`;
    const totals = Object.fromEntries(
      (await read(h.admin, window)).body.series.map((s: { key: { tokenId: string }; total: number }) => [s.key.tokenId, s.total]),
    );
    assert.deepEqual(totals, { [t.id]: 3, [reader.body.id]: 1 });
  });

  it('groups by tag without counting a verification twice in the totals', async () => {
    h.clock.advance(BUCKET_MS.day);
    const from = h.clock.now();
    const t = await token(h.admin, {});
    await http('POST', '/v1/verify', { body: { token: t.secret, tags: ['plan:pro', 'route:/a'] } });
    await http('POST', '/v1/verify', { body: { token: t.secret, tags: ['plan:pro'] } });
    await http('POST', '/v1/verify', { body: { token: t.secret } });
    await http('POST', '/v1/verify/batch', { body: { tokens: [t.secret, { token: t.secret, tags: ['route:/b'] }], tags: ['plan:free'] } });
    await fetch(`${base}/v1/forward-auth?tag=route:/a&tag=gw`, { headers: { authorization: `Bearer ${t.secret}` } });
    await flush();
    const window = `from=${from}&to=${from + 60_000}`;
    const totals = await read(h.admin, `${window}&tokenId=${t.id}`);
    assert.deepEqual(
      totals.body.series.map((s: { key: object; total: number }) => [s.key, s.total]),
      [[{ outcome: 'VALID' }, 6]],
    );
    const byTag = await read(h.admin, `${window}&tokenId=${t.id}&groupBy=tag`);
    assert.deepEqual(Object.fromEntries(byTag.body.series.map((s: { key: { tag: string }; total: number }) => [s.key.tag, s.total])), {
      'plan:pro': 2,
      'route:/a': 2,
      'plan:free': 1,
      'route:/b': 1,
      gw: 1,
    });
    const oneTag = await read(h.admin, `${window}&tag=plan:pro`);
    assert.deepEqual(
      oneTag.body.series.map((s: { key: object; total: number }) => [s.key, s.total]),
      [[{ outcome: 'VALID' }, 2]],
    );
  });

  it('counts the tags the SDK client and the in-process verifier send with the verifications they ask the server', async () => {
    h.clock.advance(BUCKET_MS.day);
    const from = h.clock.now();
    const t = await token(h.admin, { rateLimits: [{ name: 'r', limit: 100, durationMs: 60_000 }] });
    const client = new Tessera({ url: base });
    assert.equal((await client.verify({ token: t.secret, tags: ['sdk:client'] })).code, 'VALID');
    assert.equal((await client.keyVerifier().verify(t.secret, { tags: ['sdk:client'] })).code, 'VALID');
    const verifierToken = await token(h.admin, { type: 'personal', scopes: ['verifier:read'] });
    const verifier = createVerifier({ url: base, token: verifierToken.secret });
    try {
      // A rate-limited token is always asked of the server, which counts it with its tags.
      assert.equal((await verifier.verify(t.secret, { tags: ['sdk:verifier', 'plan:pro'] })).code, 'VALID');
    } finally {
      await verifier.close();
    }
    await flush();
    const byTag = await read(h.admin, `from=${from}&to=${from + 60_000}&tokenId=${t.id}&groupBy=tag`);
    assert.deepEqual(Object.fromEntries(byTag.body.series.map((s: { key: { tag: string }; total: number }) => [s.key.tag, s.total])), {
      'sdk:client': 2,
      'sdk:verifier': 1,
      'plan:pro': 1,
    });
  });

  it('reads at the granularity asked, summing minutes into hours and days, and picks one from the window', async () => {
    h.clock.advance(BUCKET_MS.day);
    const start = h.clock.now() - (h.clock.now() % BUCKET_MS.day);
    h.clock.time = start + 10 * BUCKET_MS.minute;
    const t = await token(h.admin, {});
    await http('POST', '/v1/verify', { body: { token: t.secret } });
    h.clock.advance(5 * BUCKET_MS.minute);
    await http('POST', '/v1/verify', { body: { token: t.secret } });
    h.clock.advance(BUCKET_MS.hour);
    await http('POST', '/v1/verify', { body: { token: t.secret } });
    await flush();
    const points = async (query: string) =>
      (await read(h.admin, `tokenId=${t.id}&${query}`)).body.series[0].points.map((p: { t: number; count: number }) => [p.t - start, p.count]);
    const day = `from=${start}&to=${start + BUCKET_MS.day}`;
    assert.deepEqual(await points(`${day}&granularity=minute`), [
      [10 * BUCKET_MS.minute, 1],
      [15 * BUCKET_MS.minute, 1],
      [75 * BUCKET_MS.minute, 1],
    ]);
    assert.deepEqual(await points(`${day}&granularity=hour`), [
      [0, 2],
      [BUCKET_MS.hour, 1],
    ]);
    assert.deepEqual(await points(`${day}&granularity=day`), [[0, 3]]);
    assert.equal((await read(h.admin, day)).body.granularity, 'hour');
    assert.equal((await read(h.admin, `from=${start}&to=${start + BUCKET_MS.hour}`)).body.granularity, 'minute');
    assert.equal((await read(h.admin, `from=${start}&to=${start + 60 * BUCKET_MS.day}`)).body.granularity, 'day');
    // The default window is the last 24 hours, this very millisecond included.
    const recent = await read(h.admin, `tokenId=${t.id}`);
    assert.equal(recent.body.to, h.clock.now() + 1);
    assert.equal(recent.body.series[0].total, 3);
  });

  it('refuses bad windows, too many buckets and unknown values with 400', async () => {
    const now = h.clock.now();
    for (const query of [
      `from=${now}&to=${now}`,
      `from=${now}&to=${now - 1}`,
      `from=${now - 8 * BUCKET_MS.day}&to=${now}&granularity=minute`,
      'groupBy=owner',
      'granularity=week',
      'outcome=MAYBE',
      'from=-1',
      'from=yesterday',
      'tag=has%20space',
      `tag=${'x'.repeat(65)}`,
      'other=1',
    ]) {
      const answer = await read(h.admin, query);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error.code, 'VALIDATION_ERROR', query);
    }
    assert.equal((await read(h.admin, `from=${now - 6 * BUCKET_MS.day}&to=${now}&granularity=minute`)).status, 200, '8,640 minutes is within the bound');
    for (const body of [{ tags: ['a', 'a'] }, { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, { tags: [''] }, { tags: ['a b'] }, { tags: 'plan' }]) {
      const answer = await http('POST', '/v1/verify', { body: { token: 'tsk_x', ...body } });
      assert.equal(answer.status, 400, JSON.stringify(body));
    }
    assert.equal((await fetch(`${base}/v1/forward-auth?tag=a%20b`, { headers: { authorization: 'Bearer tsk_x' } })).status, 400);
  });
});

describe('who sees which series', () => {
  it('shows admins everything, others only the tokens they may read; NOT_FOUND only to admins', async () => {
    h.clock.advance(7 * BUCKET_MS.day);
    const from = h.clock.now();
    const [alice, olivia, bob, carol, dave] = await Promise.all(['alice', 'olivia', 'bob', 'carol', 'dave'].map((name) => h.user(name)));
    const teamA = (await http('POST', '/v1/teams', { as: olivia!.secret, body: { slug: `team-a-${from}` } })).body.team.id;
    for (const [who, role] of [
      [alice!, 'member'],
      [bob!, 'member'],
      [carol!, 'viewer'],
    ] as const) {
      assert.equal((await http('POST', `/v1/teams/${teamA}/members`, { as: olivia!.secret, body: { userId: who.id, role } })).status, 201);
    }
    const aliceOwn = await token(alice!.secret, {});
    const alicePersonal = await token(alice!.secret, { type: 'personal' }, `?teamId=${teamA}`);
    const teamApi = await token(olivia!.secret, {}, `?teamId=${teamA}`);
    const oliviaPersonal = await token(olivia!.secret, { type: 'personal' }, `?teamId=${teamA}`);
    const daveOwn = await token(dave!.secret, {});
    const uses: Array<[{ id: string; secret: string } | undefined, number]> = [
      [aliceOwn, 1],
      [alicePersonal, 2],
      [teamApi, 3],
      [oliviaPersonal, 4],
      [daveOwn, 5],
      [undefined, 6],
    ];
    for (const [t, n] of uses) for (let i = 0; i < n; i++) await http('POST', '/v1/verify', { body: { token: t?.secret ?? `tsk_${'y'.repeat(40)}` } });
    await flush();
    const window = `from=${from}&to=${from + 60_000}`;
    const seen = async (as: string, query = '') => {
      const answer = await read(as, `${window}&groupBy=token${query}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return Object.fromEntries(answer.body.series.map((s: { key: { tokenId: string | null }; total: number }) => [s.key.tokenId ?? 'none', s.total]));
    };
    assert.deepEqual(await seen(h.admin), { [aliceOwn.id]: 1, [alicePersonal.id]: 2, [teamApi.id]: 3, [oliviaPersonal.id]: 4, [daveOwn.id]: 5, none: 6 });
    assert.deepEqual(await seen(alice!.secret), { [aliceOwn.id]: 1, [alicePersonal.id]: 2, [teamApi.id]: 3 });
    assert.deepEqual(await seen(olivia!.secret), { [teamApi.id]: 3, [oliviaPersonal.id]: 4 }, "a team owner does not see a member's personal token");
    assert.deepEqual(await seen(bob!.secret), { [teamApi.id]: 3 });
    assert.deepEqual(await seen(carol!.secret), { [teamApi.id]: 3 });
    assert.deepEqual(await seen(dave!.secret), { [daveOwn.id]: 5 });
    // Outcome totals follow the same rights: a member's NOT_FOUND count is none.
    const byOutcome = await read(bob!.secret, window);
    assert.deepEqual(
      byOutcome.body.series.map((s: { key: object; total: number }) => [s.key, s.total]),
      [[{ outcome: 'VALID' }, 3]],
    );

    // Filters: a token one may not read is 404 like GET /v1/tokens/{id}; a team one is not in, 403 like ?teamId=; an owner, only what one may read.
    for (const [as, id] of [
      [bob!.secret, oliviaPersonal.id],
      [bob!.secret, aliceOwn.id],
      [dave!.secret, teamApi.id],
      [carol!.secret, 'tok_nonexistent'],
    ] as const) {
      const answer = await read(as, `${window}&tokenId=${id}`);
      assert.equal(answer.status, 404);
      assert.equal(answer.body.error.code, 'TOKEN_NOT_FOUND');
    }
    assert.deepEqual(await seen(carol!.secret, `&tokenId=${teamApi.id}`), { [teamApi.id]: 3 });
    // Several tokens at once (the dashboard's sparklines for one page): all must be readable.
    assert.deepEqual(await seen(alice!.secret, `&tokenId=${aliceOwn.id}&tokenId=${teamApi.id}`), { [aliceOwn.id]: 1, [teamApi.id]: 3 });
    assert.equal((await read(bob!.secret, `${window}&tokenId=${teamApi.id}&tokenId=${aliceOwn.id}`)).status, 404);
    assert.equal((await read(dave!.secret, `${window}&teamId=${teamA}`)).status, 403);
    assert.deepEqual(await seen(bob!.secret, `&teamId=${teamA}`), { [teamApi.id]: 3 });
    assert.deepEqual(await seen(bob!.secret, `&ownerUserId=${alice!.id}`), {});
    assert.deepEqual(await seen(alice!.secret, `&ownerUserId=${alice!.id}`), { [aliceOwn.id]: 1, [alicePersonal.id]: 2 });
    assert.deepEqual(await seen(h.admin, `&ownerUserId=${dave!.id}`), { [daveOwn.id]: 5 });

    // The scope: analytics:read (or *), not tokens:read.
    const readsTokens = await token(alice!.secret, { type: 'personal', scopes: ['tokens:read'] });
    assert.equal((await read(readsTokens.secret, window)).status, 403);
    const readsAnalytics = await token(alice!.secret, { type: 'personal', scopes: ['analytics:read'] });
    assert.deepEqual(
      Object.fromEntries(
        (await read(readsAnalytics.secret, `${window}&groupBy=token`)).body.series.map((s: { key: { tokenId: string }; total: number }) => [
          s.key.tokenId,
          s.total,
        ]),
      ),
      { [aliceOwn.id]: 1, [alicePersonal.id]: 2, [teamApi.id]: 3 },
    );
    assert.equal((await read('', window)).status, 401);

    // The dashboard reads it with its session cookie: the same series as the token it signed in with.
    const signedIn = await h.request({ method: 'POST', url: '/v1/session', payload: { token: bob!.secret } });
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    const cookie = /^(tessera_session=[^;]*);/.exec(String([signedIn.headers['set-cookie']].flat()[0]))![1]!;
    const viaCookie = await http('GET', `/v1/analytics/verifications?${window}&groupBy=token`, { headers: { cookie } });
    assert.equal(viaCookie.status, 200, JSON.stringify(viaCookie.body));
    assert.deepEqual(
      viaCookie.body.series.map((s: { key: { tokenId: string }; total: number }) => [s.key.tokenId, s.total]),
      [[teamApi.id, 3]],
    );
  });
});
