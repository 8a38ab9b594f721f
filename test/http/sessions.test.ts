import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { loggerOptions } from '../../src/http/logger.js';
import { describeEachApp, startHarness, type Harness } from '../support/app-harness.js';

const TWELVE_HOURS = 12 * 3_600_000;

interface SignedIn {
  res: LightMyRequestResponse;
  /** The session id, as the cookie carries it. */
  id: string;
  /** The Cookie header to send it back with. */
  cookie: string;
  csrf: string;
}

function setCookiesOf(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

async function signIn(h: Harness, secret: string, headers: Record<string, string> = {}): Promise<SignedIn> {
  const res = await h.request({ method: 'POST', url: '/v1/session', payload: { token: secret }, headers });
  assert.equal(res.statusCode, 200, res.body);
  const [setCookie] = setCookiesOf(res);
  const id = /^tessera_session=([^;]*);/.exec(setCookie ?? '')?.[1];
  assert.ok(id, `a session cookie: ${setCookie}`);
  return { res, id, cookie: `tessera_session=${id}`, csrf: res.json().csrfToken };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

await describeEachApp('dashboard sessions', (h, database) => {
  const tokenCount = async () => (await h.request({ method: 'GET', url: '/v1/tokens?limit=200', as: h.admin })).json().items.length as number;
  const sessionRows = async () => (database.query ? (await database.query<{ n: number | string }>('select count(*) as n from sessions'))[0]!.n : undefined);

  it('signs in with a personal token: the whoami user, the token’s scopes, a CSRF token, an expiry and a strict HttpOnly cookie', async () => {
    const { res, id, csrf } = await signIn(h, h.admin);
    const whoami = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json();
    const body = res.json();
    assert.deepEqual(body.user, whoami.user);
    assert.deepEqual(body.scopes, whoami.token.scopes);
    assert.equal(typeof csrf, 'string');
    assert.ok(csrf.length >= 32);
    assert.notEqual(csrf, id);
    assert.equal(body.expiresAt, h.clock.now() + TWELVE_HOURS);
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(setCookiesOf(res), [`tessera_session=${id}; Path=/; HttpOnly; SameSite=Strict`], 'no Secure over plain http');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(!JSON.stringify(body).includes(id), 'the body does not repeat the session id');
  });

  it('answers GET /v1/session afresh for the cookie, and 401 without one or with only a bearer token', async () => {
    const { res, cookie } = await signIn(h, h.admin);
    const again = await h.request({ method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json(), res.json());
    assert.equal((await h.request({ method: 'GET', url: '/v1/session' })).statusCode, 401);
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', as: h.admin })).statusCode, 401);
  });

  it('authenticates native management routes by the cookie alone, as the session’s token', async () => {
    const member = await h.user('cookie-member');
    const { cookie } = await signIn(h, member.secret);
    const whoami = await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } });
    assert.equal(whoami.statusCode, 200, whoami.body);
    assert.equal(whoami.json().user.id, member.id);
    const list = await h.request({ method: 'GET', url: '/v1/tokens', headers: { cookie } });
    assert.equal(list.statusCode, 200, list.body);
    const users = await h.request({ method: 'GET', url: '/v1/users', headers: { cookie } });
    assert.equal(users.statusCode, 403, 'a member’s session has a member’s rights');
  });

  it('refuses a state change by cookie without the right X-CSRF-Token (403, nothing made) and accepts it with', async () => {
    const { cookie, csrf } = await signIn(h, h.admin);
    const before = await tokenCount();
    const other = await signIn(h, h.admin);
    for (const headers of [{ cookie }, { cookie, 'x-csrf-token': '' }, { cookie, 'x-csrf-token': `${csrf}x` }, { cookie, 'x-csrf-token': other.csrf }]) {
      const res = await h.request({ method: 'POST', url: '/v1/tokens', headers, payload: { name: 'csrf' } });
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.code, 'CSRF_TOKEN_INVALID');
    }
    assert.equal(await tokenCount(), before, 'nothing was created');
    const made = await h.request({ method: 'POST', url: '/v1/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'csrf ok' } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(await tokenCount(), before + 1);
    assert.equal((await h.request({ method: 'DELETE', url: '/v1/session', headers: { cookie } })).statusCode, 403, 'signing out needs it too');
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode, 200, 'and the session lives on');
  });

  it('lets Authorization win over the cookie, and never falls back to the cookie when it is bad', async () => {
    const member = await h.user('authorization-wins');
    const { cookie } = await signIn(h, h.admin);
    const whoami = await h.request({ method: 'GET', url: '/v1/whoami', as: member.secret, headers: { cookie } });
    assert.equal(whoami.json().user.id, member.id);
    // A bearer-authenticated change needs no CSRF token: the cookie played no part.
    const made = await h.request({ method: 'POST', url: '/v1/tokens', as: member.secret, headers: { cookie }, payload: { name: 'bearer' } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().token.ownerUserId, member.id);
    const bad = await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie, authorization: 'Bearer tsr_nottherightone' } });
    assert.equal(bad.statusCode, 401);
  });

  it('ignores the cookie on verification, gateway, OAuth and vendor routes', async () => {
    const { cookie, csrf } = await signIn(h, h.admin);
    const headers = { cookie, 'x-csrf-token': csrf };
    for (const [method, url, payload] of [
      ['GET', '/api/v2/tokens', undefined],
      ['GET', '/v6/user/tokens', undefined],
      ['GET', '/v2/user/custom_token/', undefined],
      ['POST', '/v1/edge-config', { slug: 'by-cookie' }],
      ['GET', '/v1/verifier/snapshot', undefined],
      ['POST', '/edge/issue-token', { tokens: [{ environment: 'development', projects: ['default'] }] }],
    ] as const) {
      const res = await h.request({ method, url, headers, ...(payload ? { payload } : {}) });
      assert.equal(res.statusCode, 401, `${method} ${url}: ${res.body}`);
    }
    const introspect = await h.request({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${h.admin}`,
    });
    assert.equal(introspect.statusCode, 401, introspect.body);
    // A verification names its token in the body; the cookie makes a bad one no better.
    const verify = await h.request({ method: 'POST', url: '/v1/verify', headers, payload: { token: 'tsr_unknown' } });
    assert.equal(verify.json().valid, false);
  });

  it('ends the session at once when its token is revoked, expires or is deleted, and clears the cookie', async () => {
    for (const end of ['revoke', 'delete'] as const) {
      const member = await h.user(`ends-${end}`);
      const { cookie } = await signIn(h, member.secret);
      assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } })).statusCode, 200);
      const tokenId = (await h.request({ method: 'GET', url: '/v1/whoami', as: member.secret })).json().token.id;
      const done = await h.request(
        end === 'revoke'
          ? { method: 'POST', url: `/v1/tokens/${tokenId}/revoke`, as: h.admin }
          : { method: 'DELETE', url: `/v1/tokens/${tokenId}`, as: h.admin },
      );
      assert.ok(done.statusCode < 300, done.body);
      const refused = await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } });
      assert.equal(refused.statusCode, 401, `${end}: ${refused.body}`);
      assert.match(setCookiesOf(refused).join(), /^tessera_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict$/);
      assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode, 401);
    }
    const expiring = await h.request({
      method: 'POST',
      url: '/v1/tokens',
      as: h.admin,
      payload: { name: 'short', type: 'personal', expiresAt: h.clock.now() + 60_000 },
    });
    const { cookie } = await signIn(h, expiring.json().secret);
    assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } })).statusCode, 200);
    h.clock.advance(61_000);
    assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } })).statusCode, 401);
  });

  it('ends a session at its own expiry, however valid its token', async () => {
    const { cookie } = await signIn(h, h.admin);
    h.clock.advance(TWELVE_HOURS - 1);
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode, 200);
    h.clock.advance(1);
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode, 401);
  });

  it('signs in only a valid personal token: api and resource tokens 403, unknown and revoked 401, no cookie and no session either way', async () => {
    const rowsBefore = await sessionRows();
    const api = (await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'api key' } })).json().secret;
    const config = (await h.request({ method: 'POST', url: '/v1/edge-config', as: h.admin, payload: { slug: 'session-config' } })).json().id;
    const resource = (await h.request({ method: 'POST', url: `/v1/edge-config/${config}/token`, as: h.admin, payload: { label: 'reader' } })).json().token;
    const revoked = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: 'gone', type: 'personal' } });
    await h.request({ method: 'POST', url: `/v1/tokens/${revoked.json().token.id}/revoke`, as: h.admin });
    for (const [secret, status] of [
      [api, 403],
      [resource, 403],
      [revoked.json().secret, 401],
      ['tsr_000000000000000000000000000000000000', 401],
      ['not a token', 401],
    ] as const) {
      const res = await h.request({ method: 'POST', url: '/v1/session', payload: { token: secret } });
      assert.equal(res.statusCode, status, `${secret}: ${res.body}`);
      assert.deepEqual(setCookiesOf(res), []);
    }
    assert.equal(await sessionRows(), rowsBefore);
  });

  it('stores the session id only as its SHA-256: the raw row never holds it', async (t) => {
    if (!database.query) return t.skip('the memory store has no rows');
    const { id } = await signIn(h, h.admin);
    const rows = await database.query<Record<string, unknown>>('select * from sessions where digest = ?', [sha256(id)]);
    assert.equal(rows.length, 1);
    const all = JSON.stringify(await database.query('select * from sessions'));
    assert.ok(!all.includes(id), 'no row holds a session id');
    const adminTokenId = (await h.request({ method: 'GET', url: '/v1/whoami', as: h.admin })).json().token.id;
    assert.equal(rows[0]!.token_id, adminTokenId);
  });

  it('audits sign-in and sign-out as the token’s, and signing out ends the session and clears the cookie', async () => {
    const member = await h.user('audited');
    const { cookie, csrf } = await signIn(h, member.secret, { 'x-request-id': 'ignored' });
    const tokenId = (await h.request({ method: 'GET', url: '/v1/whoami', as: member.secret })).json().token.id;
    const out = await h.request({ method: 'DELETE', url: '/v1/session', headers: { cookie, 'x-csrf-token': csrf } });
    assert.equal(out.statusCode, 204, out.body);
    assert.deepEqual(setCookiesOf(out), ['tessera_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict']);
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie } })).statusCode, 401);
    assert.equal((await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } })).statusCode, 401);
    const events = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${tokenId}`, as: h.admin })).json().items as Array<Record<string, unknown>>;
    const mine = events.filter((e) => String(e.action).startsWith('session.'));
    assert.deepEqual(mine.map((e) => e.action).sort(), ['session.create', 'session.delete']);
    for (const event of mine) {
      assert.equal(event.actorUserId, member.id);
      assert.equal(event.actorTokenId, tokenId);
      assert.equal(event.targetType, 'token');
    }
    assert.ok(!JSON.stringify(events).includes(cookie.split('=')[1]!), 'the audit log holds no session id');
  });

  it('ends the session the browser sent when it signs in again', async () => {
    const first = await signIn(h, h.admin);
    const second = await signIn(h, h.admin, { cookie: first.cookie });
    assert.notEqual(second.id, first.id);
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie: first.cookie } })).statusCode, 401);
    assert.equal((await h.request({ method: 'GET', url: '/v1/session', headers: { cookie: second.cookie } })).statusCode, 200);
  });

  describe('hostile cookies', () => {
    it('answers 401 to odd, huge or made-up session cookies, and never 500', async () => {
      const { id } = await signIn(h, h.admin);
      for (const cookie of [
        'tessera_session=',
        'tessera_session=%ZZ%',
        `tessera_session="${id}"`,
        `tessera_session=${id}=`,
        `tessera_session=${id.slice(1)}`,
        `tessera_session=${'A'.repeat(43)}`,
        `tessera_session=${'x'.repeat(8000)}`,
        `tessera_session=${encodeURIComponent('é'.repeat(20))}`,
        'tessera_session',
        ';;;=;=;',
      ]) {
        const res = await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie } });
        assert.equal(res.statusCode, 401, `${cookie.slice(0, 60)}: ${res.body}`);
      }
    });

    it('finds the session among many cookies, and takes the first of two session cookies', async () => {
      const mine = await signIn(h, h.admin);
      const member = await h.user('many-cookies');
      const theirs = await signIn(h, member.secret);
      const noise = Array.from({ length: 300 }, (_, i) => `c${i}=${'v'.repeat(20)}`).join('; ');
      const res = await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie: `${noise}; ${mine.cookie}` } });
      assert.equal(res.statusCode, 200, res.body);
      const both = await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie: `${theirs.cookie}; ${mine.cookie}` } });
      assert.equal(both.json().user.id, member.id);
    });

    it('refuses another session’s cookie with my CSRF token, and my cookie with theirs', async () => {
      const mine = await signIn(h, h.admin);
      const member = await h.user('other-session');
      const theirs = await signIn(h, member.secret);
      const before = await tokenCount();
      for (const [cookie, csrf] of [
        [theirs.cookie, mine.csrf],
        [mine.cookie, theirs.csrf],
      ] as const) {
        const res = await h.request({ method: 'POST', url: '/v1/tokens', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'crossed' } });
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(res.json().error.code, 'CSRF_TOKEN_INVALID');
      }
      assert.equal(await tokenCount(), before);
    });

    it('takes a sign-in only as JSON, and refuses unknown fields and oversized tokens with 4xx', async () => {
      const form = await h.request({
        method: 'POST',
        url: '/v1/session',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${h.admin}`,
      });
      assert.equal(form.statusCode, 415, 'a cross-site form cannot sign anyone in');
      for (const payload of [{}, { token: '' }, { token: 'x'.repeat(513) }, { token: h.admin, extra: 1 }, { token: 42 }]) {
        const res = await h.request({ method: 'POST', url: '/v1/session', payload });
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 40)}: ${res.body}`);
        assert.deepEqual(setCookiesOf(res), []);
      }
    });
  });
});

describe('the session cookie is Secure on https, as a trusted proxy says', () => {
  let h: Harness;
  const apps: FastifyInstance[] = [];
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await h.close();
  });

  async function setCookie(trustProxy: string[] | undefined, headers: Record<string, string>): Promise<string> {
    const app = await buildApp(h.services, trustProxy ? { trustProxy } : {});
    apps.push(app);
    const res = await app.inject({ method: 'POST', url: '/v1/session', remoteAddress: '127.0.0.1', headers, payload: { token: h.admin } });
    assert.equal(res.statusCode, 200, res.body);
    return setCookiesOf(res).join();
  }

  it('adds Secure when the trusted proxy forwarded an https request', async () => {
    assert.match(await setCookie(['127.0.0.1'], { 'x-forwarded-proto': 'https' }), /; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('leaves it out for plain http, and when the X-Forwarded-Proto comes from an untrusted peer', async () => {
    assert.doesNotMatch(await setCookie(['127.0.0.1'], { 'x-forwarded-proto': 'http' }), /Secure/);
    assert.doesNotMatch(await setCookie(undefined, { 'x-forwarded-proto': 'https' }), /Secure/);
    assert.doesNotMatch(await setCookie(['10.0.0.0/8'], { 'x-forwarded-proto': 'https' }), /Secure/);
  });

  it('clears the cookie with the same attributes on sign-out', async () => {
    const app = await buildApp(h.services, { trustProxy: ['127.0.0.1'] });
    apps.push(app);
    const headers = { 'x-forwarded-proto': 'https' };
    const signedIn = await app.inject({ method: 'POST', url: '/v1/session', headers, payload: { token: h.admin } });
    const id = /^tessera_session=([^;]*)/.exec(setCookiesOf(signedIn).join())![1]!;
    const out = await app.inject({
      method: 'DELETE',
      url: '/v1/session',
      headers: { ...headers, cookie: `tessera_session=${id}`, 'x-csrf-token': signedIn.json().csrfToken },
    });
    assert.equal(out.statusCode, 204, out.body);
    assert.deepEqual(setCookiesOf(out), ['tessera_session=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict']);
  });
});

describe('sign-ins and session cookies go through the guessing guard', () => {
  it('locks an address out after its budget of bad tokens or made-up sessions, good credentials included', async () => {
    for (const guess of ['token', 'cookie'] as const) {
      const h = await startHarness(undefined, { failedAttemptsPerMinute: 3 });
      try {
        const good = await h.request({ method: 'POST', url: '/v1/session', payload: { token: h.admin } });
        assert.equal(good.statusCode, 200);
        for (let i = 0; i < 3; i++) {
          const res =
            guess === 'token'
              ? await h.request({ method: 'POST', url: '/v1/session', payload: { token: `tsr_${String(i).repeat(36)}` } })
              : await h.request({ method: 'GET', url: '/v1/whoami', headers: { cookie: `tessera_session=${String(i).repeat(43)}` } });
          assert.equal(res.statusCode, 401, `${guess} ${i}: ${res.body}`);
        }
        const locked = await h.request({ method: 'POST', url: '/v1/session', payload: { token: h.admin } });
        assert.equal(locked.statusCode, 429, `${guess}: ${locked.body}`);
        assert.deepEqual(setCookiesOf(locked), []);
      } finally {
        await h.close();
      }
    }
  });
});

describe('sessions in the log', () => {
  it('never logs the signing-in token, the session id or the CSRF token, even at level debug', async () => {
    const h = await startHarness();
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await buildApp(h.services, { logger: { ...(loggerOptions('debug') as object), stream } as never });
    try {
      const signedIn = await app.inject({ method: 'POST', url: '/v1/session', payload: { token: h.admin } });
      assert.equal(signedIn.statusCode, 200);
      const id = /^tessera_session=([^;]*)/.exec(setCookiesOf(signedIn).join())![1]!;
      const csrf = signedIn.json().csrfToken as string;
      const headers = { cookie: `tessera_session=${id}`, 'x-csrf-token': csrf };
      await app.inject({ method: 'GET', url: '/v1/whoami', headers });
      await app.inject({ method: 'POST', url: '/v1/tokens', headers, payload: { name: 'logged' } });
      await app.inject({ method: 'POST', url: '/v1/tokens', headers: { cookie: headers.cookie, 'x-csrf-token': 'wrong' }, payload: { name: 'refused' } });
      await app.inject({ method: 'DELETE', url: '/v1/session', headers });
      const text = lines.join('');
      assert.match(text, /\/v1\/session/, 'the requests were logged');
      for (const secret of [h.admin, id, csrf]) assert.equal(text.includes(secret), false, `a secret reached the log: ${secret.slice(0, 6)}…`);
    } finally {
      await app.close();
      await h.close();
    }
  });
});
