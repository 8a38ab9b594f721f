import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { RecordingEvents } from '../../src/service/event-publisher.js';
import { describeEachApp, withHarness, type Harness } from '../support/app-harness.js';
import { FakeGithub } from '../support/github-scanning.js';
import { storeSnapshot } from '../support/store-snapshot.js';

const github = new FakeGithub();
/** A key GitHub has stopped signing new reports with but still publishes. */
const retired = new FakeGithub();
const events = new RecordingEvents();
const sha256hex = (text: string) => createHash('sha256').update(text).digest('hex');
const madeUp = () => generateSecret('tsk', (n) => randomBytes(n));

async function newToken(h: Harness, payload: object = {}): Promise<{ id: string; secret: string }> {
  const res = await h.request({ method: 'POST', url: '/v1/tokens', as: h.admin, payload: { name: `t-${randomBytes(3).toString('hex')}`, ...payload } });
  assert.equal(res.statusCode, 201, res.body);
  return { id: res.json().token.id, secret: res.json().secret };
}

const verifyCode = async (h: Harness, token: string) => (await h.request({ method: 'POST', url: '/v1/verify', payload: { token } })).json().code as string;
const post = (h: Harness, report: { payload: string; headers: Record<string, string> }) =>
  h.request({ method: 'POST', url: '/v1/leaks/github', payload: report.payload, headers: report.headers });

await describeEachApp(
  'GitHub secret scanning partner endpoint',
  (h) => {
    it("revokes a reported token (the default policy), marks it leaked where GitHub saw it, and answers GitHub's feedback", async () => {
      const token = await newToken(h);
      const unknown = madeUp();
      const before = events.published.length;
      const res = await post(
        h,
        github.report([
          { token: token.secret, url: 'https://github.com/octo/repo/blob/abc/config.js' },
          { token: unknown, type: 'other_type' },
        ]),
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), [
        { token_hash: sha256hex(token.secret), token_type: 'tessera_api_key', label: 'true_positive' },
        { token_hash: sha256hex(unknown), token_type: 'other_type', label: 'false_positive' },
      ]);
      assert.ok(!res.body.includes(token.secret), 'the feedback never repeats a secret');
      assert.equal(await verifyCode(h, token.secret), 'REVOKED');
      const view = (await h.request({ method: 'GET', url: `/v1/tokens/${token.id}`, as: h.admin })).json().token;
      assert.equal(view.leakedAt, h.clock.now());
      assert.equal(view.leakedUrl, 'https://github.com/octo/repo/blob/abc/config.js');
      assert.equal(view.revokedAt, h.clock.now());
      const leaked = events.published.slice(before);
      assert.deepEqual(
        leaked.map((e) => [e.type, e.subject, (e.data as { source: string }).source]),
        [['token.leaked', token.id, 'github']],
      );
      assert.ok(!JSON.stringify(leaked).includes(token.secret), 'no secret in an event');
      const audit = (await h.request({ method: 'GET', url: `/v1/audit?targetId=${token.id}`, as: h.admin })).json().items;
      assert.deepEqual(
        audit
          .filter((e: { action: string }) => e.action === 'token.leak')
          .map((e: { details: { source: string; action: string } }) => [e.details.source, e.details.action]),
        [['github', 'revoke']],
      );
    });

    it('is idempotent: the same report again gets the same answer and changes nothing', async () => {
      const token = await newToken(h);
      const report = github.report([{ token: token.secret }, { token: madeUp() }]);
      const first = await post(h, report);
      assert.equal(first.statusCode, 200, first.body);
      const snapshot = await storeSnapshot(h);
      const published = events.published.length;
      h.clock.advance(1000);
      const again = await post(h, report);
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), first.json());
      assert.equal(await storeSnapshot(h), snapshot);
      assert.equal(events.published.length, published, 'no second token.leaked');
    });

    it('refuses a bad, missing or foreign signature with 401 and changes nothing', async () => {
      const token = await newToken(h);
      const report = github.report([{ token: token.secret }]);
      const stranger = new FakeGithub(github.keyId);
      const tampered = report.payload.replace('content', 'commit');
      const { 'github-public-key-signature': _sig, ...unsigned } = report.headers;
      const { 'github-public-key-identifier': _id, ...unnamed } = report.headers;
      const snapshot = await storeSnapshot(h);
      for (const [what, sent] of [
        ['signed by another key under the same id', { payload: report.payload, headers: stranger.sign(report.payload) }],
        ['a body changed after signing', { payload: tampered, headers: report.headers }],
        ['no signature', { payload: report.payload, headers: unsigned }],
        ['no key id', { payload: report.payload, headers: unnamed }],
        ['an unknown key id', { payload: report.payload, headers: { ...report.headers, 'github-public-key-identifier': 'nope' } }],
        ['a signature that is not base64', { payload: report.payload, headers: { ...report.headers, 'github-public-key-signature': '%%%' } }],
        ['an unsigned body that is not JSON', { payload: '[{', headers: unsigned }],
        ['no body', { payload: '', headers: report.headers }],
      ] as const) {
        const res = await post(h, sent);
        assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
        assert.equal(res.json().error.code, 'UNAUTHORIZED', what);
      }
      assert.equal(await storeSnapshot(h), snapshot);
      assert.equal(await verifyCode(h, token.secret), 'VALID');
    });

    it('refuses a signed body that is not a report with 400, naming the field, and changes nothing', async () => {
      const snapshot = await storeSnapshot(h);
      for (const payload of ['[{', '{"token":"x"}', '[{"type":"x"}]', '[{"token":"","type":"x"}]']) {
        const res = await post(h, { payload, headers: github.sign(payload) });
        assert.equal(res.statusCode, 400, `${payload}: ${res.body}`);
      }
      assert.equal(await storeSnapshot(h), snapshot);
    });

    it('takes a key GitHub retired but still lists, and fields GitHub may add later', async () => {
      const token = await newToken(h);
      const payload = JSON.stringify([{ token: token.secret, type: 'tessera_api_key', url: 'https://gist.github.com/x', source: 'gist', found_at: 'later' }]);
      const res = await post(h, { payload, headers: retired.sign(payload) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json()[0].label, 'true_positive');
    });
  },
  { events, leaks: { githubKeys: github.keys(retired) } },
);

describe('GitHub secret scanning without keys configured', () => {
  it('is not there: 404, whatever is sent', async () => {
    await withHarness(async (h) => {
      const res = await post(h, github.report([{ token: madeUp() }]));
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    });
  });
});
