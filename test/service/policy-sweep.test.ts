import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS } from '../../src/core/lifecycle-policy.js';
import type { TokenRecord } from '../../src/core/token.js';
import { RecordingEvents } from '../../src/service/event-publisher.js';
import { createServices, type WiredServices } from '../../src/service/services.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { openStores } from '../../src/store/open-stores.js';
import { INSTALLATION_POLICY } from '../../src/store/policy-store.js';
import type { Stores } from '../../src/store/stores.js';
import { ManualClock } from '../support/app-harness.js';
import { makeToken } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { postgresTestUrl } from '../support/postgres.js';

/** Two nodes over one database, sharing a clock: what a cluster is, without the processes. */
interface Cluster {
  clock: ManualClock;
  nodes: Array<WiredServices & { stores: Stores; events: RecordingEvents }>;
  close(): Promise<void>;
}

async function cluster(open: () => Promise<{ stores: Stores[]; cleanup: () => Promise<void> }>): Promise<Cluster> {
  const clock = new ManualClock(Date.UTC(2027, 0, 1));
  const { stores, cleanup } = await open();
  const nodes = stores.map((s) => {
    const events = new RecordingEvents();
    return { ...createServices(s, { runtime: clock, events, failedAttemptsPerMinute: 0 }), stores: s, events };
  });
  return {
    clock,
    nodes,
    close: async () => {
      for (const node of nodes) await node.background.stop();
      await cleanup();
    },
  };
}

const backends: Array<{ name: string; open: () => Promise<{ stores: Stores[]; cleanup: () => Promise<void> }> | { skip: string } }> = [
  {
    // One store object shared by both nodes. (Two SQLite connections in one process cannot race: a
    // writer's busy wait blocks the event loop the other needs to commit. SQLite's race is run by
    // two real processes: test/e2e/policy-sweep.test.ts.)
    name: 'memory',
    open: async () => {
      const shared = createMemoryStores();
      return { stores: [shared, shared], cleanup: () => shared.close() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const db = await postgresTestUrl();
      if ('skip' in db) throw new Error(db.skip);
      const first = await openStores({ dataDir: '', databaseUrl: db.url });
      const second = await openStores({ dataDir: '', databaseUrl: db.url });
      return { stores: [first, second], cleanup: async () => (await Promise.all([first.close(), second.close()]), await db.drop()) };
    },
  },
];

const probe = await postgresTestUrl();
if (!('skip' in probe)) await probe.drop();

for (const backend of backends) {
  const skip = backend.name === 'PostgreSQL' && 'skip' in probe ? probe.skip : undefined;
  describe(`the inactivity sweep on two nodes over one ${backend.name} store`, { skip }, () => {
    let c: Cluster;
    before(async () => {
      c = await cluster(backend.open as () => Promise<{ stores: Stores[]; cleanup: () => Promise<void> }>);
    });
    after(() => c?.close());

    it('warns of, then revokes, exactly the stale tokens, each once across the nodes; fresh ones untouched', async () => {
      const [a, b] = c.nodes as [Cluster['nodes'][0], Cluster['nodes'][0]];
      const now = c.clock.now();
      const ago = (days: number) => now - days * DAY_MS;
      await createOwners(a.stores, ['usr_owner']);
      const insert = async (overrides: Partial<TokenRecord>, teamId: string | null = null) => {
        const made = makeToken(overrides, { teamId });
        await a.stores.tokens.insert(made.token);
        return made;
      };
      // The installation revokes after 30 idle days with 7 days' warning; team T, after 10 with 2: stricter for its tokens.
      await a.stores.policies.put({ scope: INSTALLATION_POLICY, policy: { inactivityDays: 30, inactivityWarningDays: 7 }, updatedAt: now, updatedBy: null });
      await a.stores.policies.put({ scope: 'team_t', policy: { inactivityDays: 10, inactivityWarningDays: 2 }, updatedAt: now, updatedBy: null });

      const stale: Array<{ token: TokenRecord; secret: string }> = [];
      for (let i = 0; i < 12; i++) stale.push(await insert({ createdAt: ago(100 + i) }));
      const usedLongAgo = await insert({ createdAt: ago(200) });
      await a.stores.tokens.recordUses([{ id: usedLongAgo.token.id, at: ago(40), count: 3 }]);
      stale.push(usedLongAgo);
      const teamStale = await insert({ createdAt: ago(12) }, 'team_t');
      stale.push(teamStale);

      const fresh: TokenRecord[] = [];
      const usedLately = await insert({ createdAt: ago(100) });
      await a.stores.tokens.recordUses([{ id: usedLately.token.id, at: ago(1), count: 1 }]);
      fresh.push(usedLately.token);
      fresh.push((await insert({ createdAt: ago(5) })).token);
      // Twelve idle days: stale for team T's rule, not for the installation's.
      fresh.push((await insert({ createdAt: ago(12) })).token);
      const teamUsed = await insert({ createdAt: ago(50) }, 'team_t');
      await a.stores.tokens.recordUses([{ id: teamUsed.token.id, at: now, count: 1 }]);
      fresh.push(teamUsed.token);
      const revokedBefore = await insert({ createdAt: ago(300), revokedAt: ago(200) });

      const staleIds = stale.map((s) => s.token.id).sort();
      const sweepBoth = async () => {
        const [ra, rb] = await Promise.all([a.background.sweep!.sweep(), b.background.sweep!.sweep()]);
        return { ra, rb };
      };

      // First sweep: every stale token warned, once across both nodes; none revoked before its warning's notice.
      const first = await sweepBoth();
      assert.deepEqual([...first.ra.warned, ...first.rb.warned].sort(), staleIds);
      assert.deepEqual([...first.ra.revoked, ...first.rb.revoked], []);
      const again = await sweepBoth();
      assert.deepEqual([...again.ra.warned, ...again.rb.warned, ...again.ra.revoked, ...again.rb.revoked], [], 'a sweep repeated warns no one twice');

      // Seven days on, node b has the stale secret cached as valid until it hears of the revocation.
      c.clock.advance(7 * DAY_MS);
      assert.equal((await b.services.verify.verify(stale[0]!.secret, {})).code, 'VALID');
      const second = await sweepBoth();
      assert.deepEqual([...second.ra.revoked, ...second.rb.revoked].sort(), staleIds);
      assert.deepEqual([...second.ra.warned, ...second.rb.warned], []);
      await b.background.changes.catchUp();
      assert.equal((await b.services.verify.verify(stale[0]!.secret, {})).code, 'REVOKED', "every node's cache hears of the revocation");

      const published = [...a.events.published, ...b.events.published];
      const subjectsOf = (type: string) =>
        published
          .filter((e) => e.type === type)
          .map((e) => e.subject)
          .sort();
      assert.deepEqual(subjectsOf('token.inactive'), staleIds, 'each warning once');
      assert.deepEqual(subjectsOf('token.revoked'), staleIds, 'each revocation once');
      const teamRevoked = published.find((e) => e.type === 'token.revoked' && e.subject === teamStale.token.id)!;
      assert.equal(teamRevoked.data.reason, 'inactivity');
      assert.equal(teamRevoked.data.inactivityDays, 10);

      for (const { token } of stale) assert.equal((await a.stores.tokens.findById(token.id))?.revokedAt, c.clock.now(), token.id);
      for (const token of fresh) assert.equal((await a.stores.tokens.findById(token.id))?.revokedAt, null, `fresh ${token.id} untouched`);
      assert.equal((await a.stores.tokens.findById(revokedBefore.token.id))?.revokedAt, revokedBefore.token.revokedAt);
      const audited = (await a.stores.audit.list({ action: 'token.revoke', limit: 1000 })).items.filter((e) => e.details.by === 'inactivity');
      assert.deepEqual(audited.map((e) => e.targetId).sort(), staleIds, 'each revocation audited once');
    });
  });
}
