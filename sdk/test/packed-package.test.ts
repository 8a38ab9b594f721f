import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { sqliteBackend, type ServerBackend } from '../../test/support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../../test/support/server-process.js';

/*
 * What a user does: `npm pack` the SDK, install the tarball into an app of their own outside this
 * repository (with Express), protect a route in the README's ten lines, and see a revocation
 * refused. npm installs from the registry, preferring its cache (`npm ci` of this repository put the
 * SDK's one dependency and Express there; what it lacks is the registry's package lists).
 */

const SDK = fileURLToPath(new URL('../../../sdk/', import.meta.url));
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 180_000 });

const APP = `
import express from 'express';
import { createVerifier } from '@tessera/sdk';
import { tessera } from '@tessera/sdk/express';

const verifier = createVerifier({ url: process.env.TESSERA_URL, token: process.env.TESSERA_VERIFIER_TOKEN });
const app = express();
app.get('/docs', tessera({ verifier, scopes: ['docs:read'] }), (req, res) => res.json({ key: req.tessera.token.name }));
await verifier.live();
const server = app.listen(0, '127.0.0.1', () => console.log('app listening on http://127.0.0.1:' + server.address().port));
`;

describe('the packed SDK in an app of its own', { timeout: 300_000 }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const work = mkdtempSync(join(tmpdir(), 'tessera-sdk-app-'));
  let backend: ServerBackend;
  let server: ServerProcess;
  before(async () => {
    backend = await sqliteBackend();
    server = await startServerProcess([...backend.args, '--log-level', 'warn'], { TESSERA_BOOTSTRAP_TOKEN: admin });
  });
  after(async () => {
    await server?.stop();
    await backend?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('installs from its tarball, protects an Express route in ten lines, and refuses a revoked key', async () => {
    npm(['pack', '--pack-destination', work], SDK);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const app = join(work, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-api', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball), 'express@5.3.0'], app);
    writeFileSync(join(app, 'app.mjs'), APP);

    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok(response.status < 300, `${method} ${path}: ${response.status}`);
      return (await response.json()) as any;
    };
    const verifierToken = (await call('POST', '/v1/tokens', { name: 'verifier', type: 'personal', scopes: ['verifier:read'] })).secret;
    const key = await call('POST', '/v1/tokens', { name: 'customer', scopes: ['docs:read'] });

    const child = spawn(process.execPath, ['app.mjs'], {
      cwd: app,
      env: { ...process.env, TESSERA_URL: server.url, TESSERA_VERIFIER_TOKEN: verifierToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`the app did not start: ${out}`)), 30_000);
        const read = (chunk: Buffer) => {
          out += chunk.toString();
          const match = /app listening on (\S+)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout!.on('data', read);
        child.stderr!.on('data', read);
      });
      const get = (secret?: string) => fetch(`${url}/docs`, { headers: secret ? { authorization: `Bearer ${secret}` } : {} });

      const allowed = await get(key.secret);
      assert.equal(allowed.status, 200);
      assert.deepEqual(await allowed.json(), { key: 'customer' });
      assert.equal((await get()).status, 401);

      await call('POST', `/v1/tokens/${key.token.id}/revoke`, {});
      let status = 200;
      for (const started = Date.now(); status === 200 && Date.now() - started < 5_000; ) status = (await get(key.secret)).status;
      assert.equal(status, 401, 'the revoked key is refused');
      assert.equal((await get(key.secret)).headers.get('content-type')?.startsWith('application/problem+json'), true);
    } finally {
      child.kill();
    }
  });
});
