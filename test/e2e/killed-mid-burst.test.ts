import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { loadAgent, postJson } from '../support/http-load.js';
import { backendsToRun } from '../support/server-backends.js';
import { startServerProcess } from '../support/server-process.js';
import { queryStore } from '../support/store-query.js';

const REQUESTS = 1000;
/** The process is killed once this many creations are answered: far from all of them. */
const KILL_AFTER = 100;

for (const { name, skip, make } of await backendsToRun()) {
  describe(`SIGKILL during a burst of token creations on ${name}`, { skip, timeout: 120_000 }, () => {
    it('every creation answered 201 is in the store', async () => {
      const backend = await make();
      const admin = generateSecret('tsr', randomBytes);
      const server = await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, TESSERA_BOOTSTRAP_TOKEN: admin });
      const agent = loadAgent(50);
      try {
        let answered = 0;
        const results = await Promise.allSettled(
          Array.from({ length: REQUESTS }, (_, i) =>
            postJson(`${server.url}/v1/tokens`, { name: `burst ${i}` }, agent, { authorization: `Bearer ${admin}` }).then((res) => {
              if (res.status === 201 && ++answered === KILL_AFTER) server.child.kill('SIGKILL');
              return res;
            }),
          ),
        );
        assert.equal(await server.exited, null, 'killed by the signal');
        const created = results.flatMap((r) => (r.status === 'fulfilled' && r.value.status === 201 ? [r.value.body.token.id as string] : []));
        const failed = results.filter((r) => r.status === 'rejected').length;
        assert.ok(created.length >= KILL_AFTER);
        assert.ok(failed > 0, 'the kill came mid-burst: some creations were never answered');
        assert.equal(results.length, created.length + failed, 'every other request got no answer at all');

        const stored = new Set((await queryStore<{ id: string }>(backend, 'select id from tokens')).map((row) => row.id));
        const lost = created.filter((id) => !stored.has(id));
        assert.deepEqual(lost, [], 'answered 201 but not in the store');
      } finally {
        agent.destroy();
        await server.stop();
        await backend.cleanup();
      }
    });
  });
}
