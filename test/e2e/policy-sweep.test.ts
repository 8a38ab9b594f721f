import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DAY_MS } from '../../src/core/lifecycle-policy.js';
import type { TokenRecord } from '../../src/core/token.js';
import { openStores } from '../../src/store/open-stores.js';
import { INSTALLATION_POLICY } from '../../src/store/policy-store.js';
import { makeToken } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { postgresBackend, sqliteBackend, type ServerBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { postgresQuery, sqliteQuery, type RawQuery } from '../support/store-query.js';

/*
 * "No key unused for 30 days keeps working", on two real `tessera serve` processes over one
 * database, each sweeping every 20 ms: they race on every stale token, and each is revoked once
 * (one audit entry, one change), the fresh ones never. The warning and revocation events, once
 * each, are shown in-process with recorded events (test/service/policy-sweep.test.ts).
 */
const backends: Array<() => Promise<ServerBackend | string>> = [sqliteBackend, postgresBackend];

for (const make of backends) {
  const backend = await make();
  const name = typeof backend === 'string' ? 'postgres' : backend.name;
  describe(`the inactivity sweep: two processes on ${name}`, { skip: typeof backend === 'string' ? backend : false }, () => {
    const servers: ServerProcess[] = [];
    after(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      if (typeof backend !== 'string') await backend.cleanup();
    });

    it('revokes exactly the stale tokens, each once, and every node refuses them', async () => {
      if (typeof backend === 'string') return;
      const dataDir = backend.args[1]!;
      const databaseUrl = backend.env.DATABASE_URL;
      const now = Date.now();
      const stale: Array<{ token: TokenRecord; secret: string }> = [];
      const fresh: Array<{ token: TokenRecord; secret: string }> = [];
      const stores = await openStores(databaseUrl ? { dataDir: '', databaseUrl } : { dataDir });
      try {
        await stores.policies.put({ scope: INSTALLATION_POLICY, policy: { inactivityDays: 30, inactivityWarningDays: 0 }, updatedAt: now, updatedBy: null });
        await createOwners(stores, ['usr_owner']);
        for (let i = 0; i < 20; i++) {
          const made = makeToken({ createdAt: now - (40 + i) * DAY_MS });
          await stores.tokens.insert(made.token);
          stale.push(made);
        }
        for (let i = 0; i < 5; i++) {
          const used = makeToken({ createdAt: now - 300 * DAY_MS });
          await stores.tokens.insert(used.token);
          await stores.tokens.recordUses([{ id: used.token.id, at: now - DAY_MS, count: 1 }]);
          const young = makeToken({ createdAt: now - 29 * DAY_MS });
          await stores.tokens.insert(young.token);
          fresh.push(used, young);
        }
      } finally {
        await stores.close();
      }
      const query: RawQuery = databaseUrl ? postgresQuery(databaseUrl) : sqliteQuery(join(dataDir, 'tessera.db'));

      for (let i = 0; i < 2; i++) {
        servers.push(await startServerProcess([...backend.args, '--log-level', 'warn'], { ...backend.env, TESSERA_POLICY_SWEEP_MS: '20' }));
      }
      const revokedCount = async () => Number((await query<{ n: number | string }>('select count(*) as n from tokens where revoked_at is not null'))[0]!.n);
      const deadline = Date.now() + 30_000;
      while ((await revokedCount()) < stale.length) {
        assert.ok(Date.now() < deadline, `only ${await revokedCount()} of ${stale.length} revoked`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Many more sweeps on both nodes: none may act again.
      await new Promise((resolve) => setTimeout(resolve, 500));

      const revoked = await query<{ id: string }>('select id from tokens where revoked_at is not null order by id');
      assert.deepEqual(
        revoked.map((r) => r.id),
        stale.map((s) => s.token.id).sort(),
        'exactly the stale tokens',
      );
      const audited = await query<{ target_id: string; details: string }>("select target_id, details from audit_events where action = 'token.revoke'");
      const byInactivity = audited.filter((e) => JSON.parse(e.details).by === 'inactivity').map((e) => e.target_id);
      assert.deepEqual(byInactivity.sort(), stale.map((s) => s.token.id).sort(), 'each revocation audited once, by one node');
      const warned = await query<{ token_id: string }>('select token_id from token_inactivity order by token_id');
      assert.deepEqual(
        warned.map((w) => w.token_id),
        stale.map((s) => s.token.id).sort(),
        'warned first: the stale tokens, and only they',
      );

      for (const server of servers) {
        for (const { secret } of stale.slice(0, 3)) {
          const res = await fetch(`${server.url}/v1/verify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: secret }),
          });
          assert.equal(((await res.json()) as { code: string }).code, 'REVOKED');
        }
        const res = await fetch(`${server.url}/v1/verify`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: fresh[0]!.secret }),
        });
        assert.equal(((await res.json()) as { code: string }).code, 'VALID');
      }
    });
  });
}
