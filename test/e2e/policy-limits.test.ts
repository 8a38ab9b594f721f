import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DAY_MS } from '../../src/core/lifecycle-policy.js';
import { generateSecret } from '../../src/core/secret.js';
import { sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/*
 * "No key lives longer than 90 days", set and enforced on a real `tessera serve` over HTTP, as an
 * operator would do it with curl (docs/governance.md). The rules themselves are tested in
 * src/core/lifecycle-policy.test.ts and test/http/policies.test.ts.
 */
describe('a lifecycle policy on a real server', () => {
  const admin = generateSecret('tsr', randomBytes);
  let backend: ServerBackend;
  let server: ServerProcess;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  before(async () => {
    backend = await sqliteBackend();
    server = await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, TESSERA_BOOTSTRAP_TOKEN: admin });
  });
  after(async () => {
    await server?.stop();
    await backend?.cleanup();
  });

  it('refuses an api key that would live longer than 90 days, or for ever, and names the rule', async () => {
    assert.equal((await call('PUT', '/v1/policies', { maxLifetime: { api: 90 } })).status, 200);
    for (const expiresAt of [Date.now() + 120 * DAY_MS, undefined]) {
      const refused = await call('POST', '/v1/tokens', { name: 'too long', ...(expiresAt ? { expiresAt } : {}) });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'POLICY_VIOLATION');
      assert.match(refused.body.error.message, /^maxLifetime \(installation\)/);
    }
    const listed = await call('GET', '/v1/tokens?q=too');
    assert.deepEqual(listed.body.items, [], 'nothing stored');
    const made = await call('POST', '/v1/tokens', { name: 'quarterly', expiresAt: Date.now() + 30 * DAY_MS });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    // A personal token is not an api key: the rule names api tokens only.
    assert.equal((await call('POST', '/v1/tokens', { name: 'mine', type: 'personal' })).status, 201);
  });
});
