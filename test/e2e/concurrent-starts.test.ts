import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { migrations } from '../../src/store/sql/migrate.js';
import { backendsToRun, type ServerBackend } from '../support/server-backends.js';
import { bootstrapSecretIn, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { queryStore } from '../support/store-query.js';

const NODES = 3;

/** Starts NODES servers at the same instant on one fresh store; all of them are stopped again, whatever happens. */
async function startTogether(backend: ServerBackend, env: Record<string, string>, check: (servers: ServerProcess[]) => Promise<void>) {
  const started = await Promise.allSettled(
    Array.from({ length: NODES }, () => startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, ...env })),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failures = started.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    assert.deepEqual(failures, [], 'every node comes up');
    await check(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function whoami(url: string, token: string) {
  const res = await fetch(`${url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as { user: { role: string } } };
}

/** One admin user, and each migration applied once. */
async function assertSetUpOnce(backend: ServerBackend): Promise<void> {
  const users = await queryStore<{ role: string }>(backend, 'select role from users');
  assert.deepEqual(users, [{ role: 'admin' }]);
  const applied = await queryStore<{ name: string }>(backend, 'select name from tessera_migrations order by name');
  assert.deepEqual(
    applied.map((m) => m.name),
    Object.keys(migrations(backend.name)),
  );
}

for (const { name, skip, make } of await backendsToRun()) {
  describe(`${NODES} nodes started at the same instant on one fresh ${name} store`, { skip }, () => {
    it('all listen; exactly one creates the admin and prints its token, and every node accepts it', async () => {
      const backend = await make();
      try {
        await startTogether(backend, {}, async (servers) => {
          const printed = servers.map((s) => bootstrapSecretIn(s.stderr())).filter((s) => s !== undefined);
          assert.equal(printed.length, 1, `one node prints the admin token:\n${servers.map((s) => s.stderr()).join('\n---\n')}`);
          for (const server of servers) assert.equal((await whoami(server.url, printed[0]!)).body.user.role, 'admin');
          await assertSetUpOnce(backend);
        });
      } finally {
        await backend.cleanup();
      }
    });

    it('all listen with the same TESSERA_BOOTSTRAP_TOKEN; exactly one stores it', async () => {
      const backend = await make();
      const admin = generateSecret('tsr', randomBytes);
      try {
        await startTogether(backend, { TESSERA_BOOTSTRAP_TOKEN: admin }, async (servers) => {
          const announced = servers.filter((s) => /created the admin user with the token from TESSERA_BOOTSTRAP_TOKEN/.test(s.stderr()));
          assert.equal(announced.length, 1);
          for (const server of servers) assert.equal((await whoami(server.url, admin)).body.user.role, 'admin');
          assert.equal((await queryStore(backend, 'select id from tokens')).length, 1);
          await assertSetUpOnce(backend);
        });
      } finally {
        await backend.cleanup();
      }
    });
  });
}
