import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { loadAgent, postJson } from '../support/http-load.js';
import { FakeGithub } from '../support/github-scanning.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const DEADLINE_MS = 1000;
const sha256hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Posts a GitHub report to `url` as GitHub does: the body's exact bytes, signed. */
async function postReport(url: string, report: { payload: string; headers: Record<string, string> }): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/v1/leaks/github`, { method: 'POST', body: report.payload, headers: report.headers });
  return { status: res.status, body: await res.json() };
}

for (const [name, open] of [
  ['two processes on one SQLite file', sqliteBackend],
  ['two processes on PostgreSQL', postgresBackend],
] as const) {
  const backend = await open();
  describe(`a GitHub secret scanning report reaches every node within a second: ${name}`, { skip: typeof backend === 'string' ? backend : false }, () => {
    const admin = generateSecret('tsr', randomBytes);
    const github = new FakeGithub();
    const servers: ServerProcess[] = [];
    const agent = loadAgent(4);
    const keysDir = mkdtempSync(join(tmpdir(), 'tessera-github-keys-'));
    const keysFile = join(keysDir, 'secret_scanning.json');
    before(async () => {
      const { args, env } = backend as ServerBackend;
      // The document as GitHub publishes it, saved by the operator: no request leaves for GitHub.
      writeFileSync(keysFile, github.keysDocument());
      for (let i = 0; i < 2; i++) {
        servers.push(
          await startServerProcess([...args, '--log-level', 'warn'], {
            ...env,
            TESSERA_BOOTSTRAP_TOKEN: admin,
            TESSERA_GITHUB_SCANNING_KEYS_FILE: keysFile,
          }),
        );
      }
    });
    after(async () => {
      agent.destroy();
      await Promise.all(servers.map((s) => s.stop()));
      if (typeof backend !== 'string') await backend.cleanup();
      rmSync(keysDir, { recursive: true, force: true });
    });

    it('refuses the reported token on both nodes within the deadline, answers the feedback, and the same report again on the other node changes nothing', async () => {
      const [first, second] = servers.map((s) => s.url) as [string, string];
      const auth = { authorization: `Bearer ${admin}` };
      const created = await postJson(`${first}/v1/tokens`, { name: 'leaks in a commit' }, agent, auth);
      assert.equal(created.status, 201);
      const secret: string = created.body.secret;
      for (const url of [first, second])
        assert.equal((await postJson(`${url}/v1/verify`, { token: secret }, agent)).body.code, 'VALID', 'cached as valid first');

      const unknown = generateSecret('tsk', randomBytes);
      const report = github.report([{ token: secret }, { token: unknown }]);
      const answer = await postReport(first, report);
      const acknowledged = performance.now();
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual(answer.body, [
        { token_hash: sha256hex(secret), token_type: 'tessera_api_key', label: 'true_positive' },
        { token_hash: sha256hex(unknown), token_type: 'tessera_api_key', label: 'false_positive' },
      ]);

      const refusedAfter: number[] = [];
      for (const url of [first, second]) {
        for (;;) {
          const code = (await postJson(`${url}/v1/verify`, { token: secret }, agent)).body.code;
          const elapsed = performance.now() - acknowledged;
          if (code === 'REVOKED') {
            refusedAfter.push(elapsed);
            break;
          }
          assert.ok(elapsed <= DEADLINE_MS, `${url} still answered ${code} ${Math.round(elapsed)} ms after the report`);
        }
      }
      assert.equal(refusedAfter.length, 2);

      // What a leak report changes; use counts move on by themselves (written behind).
      const view = async () => {
        const { token } = (await (await fetch(`${second}/v1/tokens/${created.body.token.id}`, { headers: auth })).json()) as { token: Record<string, unknown> };
        return { leakedAt: token.leakedAt, leakedUrl: token.leakedUrl, revokedAt: token.revokedAt, updatedAt: token.updatedAt };
      };
      const seen = await view();
      assert.equal(typeof seen.leakedAt, 'number');
      const again = await postReport(second, report);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, answer.body);
      assert.deepEqual(await view(), seen, 'the first report is the one kept');
      const tampered = await postReport(second, { payload: report.payload.replace('content', 'commit'), headers: report.headers });
      assert.equal(tampered.status, 401);
    });

    it("takes GitHub's rotated key once the operator saves the new document, without a restart", async () => {
      const rotated = new FakeGithub();
      const report = () => rotated.report([{ token: generateSecret('tsk', randomBytes) }]);
      for (const server of servers) assert.equal((await postReport(server.url, report())).status, 401, 'a key not in the file');
      // GitHub publishes the new key beside the old one.
      writeFileSync(keysFile, rotated.keysDocument(github));
      for (const server of servers) {
        const answer = await postReport(server.url, report());
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body[0].label, 'false_positive');
        assert.equal((await postReport(server.url, github.report([{ token: generateSecret('tsk', randomBytes) }]))).status, 200, 'the old key still signs');
      }
    });
  });
}
