import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { backendsToRun, type ServerBackend } from '../support/server-backends.js';
import { bootstrapSecretIn, startServerProcess } from '../support/server-process.js';
import { runTessera } from '../support/tessera-command.js';

/*
 * A first start is the only moment the admin token is shown. A start that fails after making it
 * (here: its port taken, the commonest way) must still show it, or the store keeps an admin that
 * nobody can act as and the next start, finding users, shows nothing.
 */

async function whoamiRole(url: string, secret: string): Promise<string | undefined> {
  const res = await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${secret}` } });
  return res.status === 200 ? ((await res.json()) as { user: { role: string } }).user.role : undefined;
}

for (const { name, skip, make } of await backendsToRun()) {
  describe(`a first start on ${name} that fails because its port is taken`, { skip, timeout: 120_000 }, () => {
    let taken: Server;
    let port: number;
    before(async () => {
      taken = createServer().listen(0, '127.0.0.1');
      await once(taken, 'listening');
      port = (taken.address() as { port: number }).port;
    });
    after(() => taken.close());

    it('prints the admin token it made and names `tessera admin token`; the token works once started', async () => {
      const backend: ServerBackend = await make();
      try {
        const failed = await runTessera(['serve', '--port', String(port), ...backend.args], backend.env);
        assert.equal(failed.code, 1);
        assert.match(failed.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken`));
        assert.match(failed.stderr, /tessera admin token/);
        const secret = bootstrapSecretIn(failed.stderr);
        assert.ok(secret, `the failed start shows the admin token it made:\n${failed.stderr}`);

        const server = await startServerProcess([...backend.args, '--log-level', 'warn'], backend.env);
        try {
          assert.equal(bootstrapSecretIn(server.stderr()), undefined, 'the next start makes no second admin');
          assert.equal(await whoamiRole(server.url, secret), 'admin');
        } finally {
          assert.equal(await server.stop(), 0);
        }
      } finally {
        await backend.cleanup();
      }
    });

    it('with --workers 2: the primary finds the port taken before it makes anything; the next start prints the admin token', async () => {
      const backend: ServerBackend = await make();
      try {
        const failed = await runTessera(['serve', '--port', String(port), ...backend.args, '--workers', '2'], backend.env);
        assert.equal(failed.code, 1);
        assert.match(failed.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken`));
        assert.equal(bootstrapSecretIn(failed.stderr), undefined);

        const server = await startServerProcess([...backend.args, '--log-level', 'warn'], backend.env);
        try {
          const secret = bootstrapSecretIn(server.stderr());
          assert.ok(secret, 'the first start that serves prints the admin token');
          assert.equal(await whoamiRole(server.url, secret), 'admin');
        } finally {
          assert.equal(await server.stop(), 0);
        }
      } finally {
        await backend.cleanup();
      }
    });
  });
}

describe('TESSERA_BOOTSTRAP_TOKEN that is not a personal token', () => {
  // An api token (tsk_) may not manage tessera; stored as the admin's, it would.
  it('refuses the start, naming the variable and what it takes, and writes nothing', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'tessera-first-start-')), 'data');
    try {
      const run = await runTessera(['serve', '--port', '0', '--data-dir', dataDir], { TESSERA_BOOTSTRAP_TOKEN: generateSecret('tsk', randomBytes) });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /TESSERA_BOOTSTRAP_TOKEN/);
      assert.match(run.stderr, /personal/);
      assert.match(run.stderr, /tessera token generate/);
      assert.equal(existsSync(dataDir), false, 'no store, no key file');
    } finally {
      rmSync(dirname(dataDir), { recursive: true, force: true });
    }
  });
});
