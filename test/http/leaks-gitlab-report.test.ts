import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { GITLAB_TOKEN_TYPES } from '../../src/core/gitlab-token-revocation.js';
import { generateSecret } from '../../src/core/secret.js';
import { describeEachApp, withHarness, type Harness } from '../support/app-harness.js';
import { storeSnapshot } from '../support/store-snapshot.js';

const GITLAB_TOKEN = `gitlab-${randomBytes(16).toString('hex')}`;
const REPORTS_PER_MINUTE = 3;
const madeUp = () => generateSecret('tsk', (n) => randomBytes(n));

async function newToken(h: Harness): Promise<{ id: string; secret: string }> {
  const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: `t-${randomBytes(3).toString('hex')}` } });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().token.id, secret: res.json().secret };
}

const verifyCode = async (h: Harness, token: string) => (await h.request({ method: 'POST', url: '/v1/verify', payload: { token } })).json().code as string;
const revokeTokens = (h: Harness, authorization: string | undefined, payload: unknown) =>
  h.request({
    method: 'POST',
    url: '/v1/leaks/gitlab/revoke_tokens',
    payload: payload as object,
    headers: authorization === undefined ? {} : { authorization },
  });

await describeEachApp(
  "GitLab's token revocation API",
  (h) => {
    it('lists the types tessera revokes, to the pre-shared token only', async () => {
      const res = await h.request({ method: 'GET', url: '/v1/leaks/gitlab/revocable_token_types', headers: { authorization: GITLAB_TOKEN } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        types: ['gitleaks_rule_id_tessera_api_token', 'gitleaks_rule_id_tessera_personal_token', 'gitleaks_rule_id_tessera_resource_token'],
      });
      for (const authorization of [undefined, `${GITLAB_TOKEN}x`, GITLAB_TOKEN.slice(0, -1), `Bearer ${h.admin}`]) {
        const refused = await h.request({ method: 'GET', url: '/v1/leaks/gitlab/revocable_token_types', headers: authorization ? { authorization } : {} });
        assert.equal(refused.statusCode, 401, String(authorization));
      }
    });

    it('refuses a wrong or missing pre-shared token with 401 and changes nothing', async () => {
      const token = await newToken(h);
      const body = [{ type: GITLAB_TOKEN_TYPES[0], token: token.secret, location: 'https://gitlab.example.com/x' }];
      const snapshot = await storeSnapshot(h);
      for (const authorization of [undefined, '', 'wrong', `Bearer wrong`, `Bearer ${h.admin}`, `${GITLAB_TOKEN} `]) {
        const res = await revokeTokens(h, authorization, body);
        assert.equal(res.statusCode, 401, `${String(authorization)}: ${res.body}`);
        assert.equal(res.json().error.code, 'UNAUTHORIZED');
      }
      assert.equal(await storeSnapshot(h), snapshot);
      assert.equal(await verifyCode(h, token.secret), 'VALID');
    });

    it('revokes what it is sent (bare or as a bearer token), ignores what tessera never issued, and is idempotent', async () => {
      const [a, b] = [await newToken(h), await newToken(h)];
      const body = [
        { type: GITLAB_TOKEN_TYPES[0], token: a.secret, location: 'https://gitlab.example.com/group/repo/-/blob/main/.env' },
        { type: GITLAB_TOKEN_TYPES[0], token: madeUp() },
      ];
      const res = await revokeTokens(h, GITLAB_TOKEN, body);
      assert.equal(res.statusCode, 204, res.body);
      assert.equal(res.body, '');
      assert.equal(await verifyCode(h, a.secret), 'REVOKED');
      const view = (await h.request({ method: 'GET', url: `/v1/tokens/${a.id}`, as: h.admin })).json().token;
      assert.equal(view.leakedUrl, 'https://gitlab.example.com/group/repo/-/blob/main/.env');
      const snapshot = await storeSnapshot(h);
      assert.equal((await revokeTokens(h, GITLAB_TOKEN, body)).statusCode, 204);
      assert.equal(await storeSnapshot(h), snapshot, 'the same tokens again change nothing');
      assert.equal((await revokeTokens(h, `Bearer ${GITLAB_TOKEN}`, [{ type: GITLAB_TOKEN_TYPES[1], token: b.secret }])).statusCode, 204);
      assert.equal(await verifyCode(h, b.secret), 'REVOKED');
    });

    it('refuses a type it does not revoke, or a body that is not a list of findings, with 400 and changes nothing', async () => {
      const token = await newToken(h);
      const snapshot = await storeSnapshot(h);
      for (const body of [
        [
          { type: GITLAB_TOKEN_TYPES[0], token: madeUp() },
          { type: 'gitleaks_rule_id_gitlab_personal_access_token', token: token.secret },
        ],
        { type: GITLAB_TOKEN_TYPES[0], token: token.secret },
        [{ type: GITLAB_TOKEN_TYPES[0] }],
      ]) {
        const res = await revokeTokens(h, GITLAB_TOKEN, body);
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      }
      assert.equal(await storeSnapshot(h), snapshot);
      assert.equal(await verifyCode(h, token.secret), 'VALID');
    });
  },
  { leaks: { gitlabToken: GITLAB_TOKEN, reportsPerMinute: 0 } },
);

await describeEachApp(
  'the public leak report',
  (h) => {
    const report = (payload: object, ip = '203.0.113.7') => h.request({ method: 'POST', url: '/v1/leaks/report', payload, remoteAddress: ip });

    it('answers a real key and a made-up one alike, with no credential, and handles the real one by its policy', async () => {
      const token = await newToken(h);
      const real = await report({ token: token.secret, url: 'https://pastebin.example/abc', note: 'found in a paste' }, '203.0.113.1');
      const fake = await report({ token: madeUp(), url: 'https://pastebin.example/abc', note: 'found in a paste' }, '203.0.113.2');
      const junk = await report({ token: 'not even close' }, '203.0.113.3');
      for (const res of [real, fake, junk]) {
        assert.equal(res.statusCode, 202, res.body);
        assert.deepEqual(res.json(), { received: true });
        assert.equal(res.headers['cache-control'], 'no-store');
      }
      assert.equal(real.body, fake.body);
      assert.equal(await verifyCode(h, token.secret), 'REVOKED');
      const audit = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${token.id}`, as: h.admin })).json().items;
      const leak = audit.find((e: { action: string }) => e.action === 'token.leak');
      assert.equal(leak.details.source, 'report');
      assert.equal(leak.details.note, 'found in a paste');
    });

    it('is rate limited per address: past the limit 429 with Retry-After, whatever the key; another address is not held back', async () => {
      for (let i = 0; i < REPORTS_PER_MINUTE; i++) assert.equal((await report({ token: madeUp() }, '198.51.100.9')).statusCode, 202);
      const token = await newToken(h);
      const refused = await report({ token: token.secret }, '198.51.100.9');
      assert.equal(refused.statusCode, 429, refused.body);
      assert.equal(refused.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.equal(await verifyCode(h, token.secret), 'VALID', 'a refused report does nothing');
      assert.equal((await report({ token: madeUp() }, '198.51.100.10')).statusCode, 202);
      h.clock.advance(60_000);
      assert.equal((await report({ token: madeUp() }, '198.51.100.9')).statusCode, 202);
    });

    it('refuses what is not a report with 400 and changes nothing', async () => {
      const snapshot = await storeSnapshot(h);
      const bad = [{}, { token: '' }, { token: madeUp(), url: 'javascript:alert(1)' }, { token: madeUp(), extra: 1 }, { token: 'x'.repeat(1025) }];
      for (const [i, payload] of bad.entries()) {
        // Each from an address of its own: a refused report counts against the limit too.
        const res = await report(payload, `192.0.2.${50 + i}`);
        assert.equal(res.statusCode, 400, `${JSON.stringify(payload)}: ${res.body}`);
      }
      assert.equal(await storeSnapshot(h), snapshot);
    });
  },
  { leaks: { reportsPerMinute: REPORTS_PER_MINUTE } },
);

describe("GitLab's token revocation API without a token configured", () => {
  it('is not there: 404 for both routes', async () => {
    await withHarness(async (h) => {
      for (const res of [
        await h.request({ method: 'GET', url: '/v1/leaks/gitlab/revocable_token_types', headers: { authorization: 'anything' } }),
        await revokeTokens(h, 'anything', [{ type: GITLAB_TOKEN_TYPES[0], token: madeUp() }]),
      ]) {
        assert.equal(res.statusCode, 404, res.body);
      }
    });
  });
});
