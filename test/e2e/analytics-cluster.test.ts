import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/core/secret.js';
import { postgresBackend } from '../support/server-backends.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/*
 * Several `tessera serve` processes sharing one PostgreSQL, each counting its own verifications
 * in memory and writing them behind: after their flushes the API's totals are exactly the
 * verifications sent, per outcome, whichever node answered them and whichever node is asked.
 */

const NODES = 3;
const backend = await postgresBackend();

type Outcome = 'VALID' | 'REVOKED' | 'NOT_FOUND' | 'INSUFFICIENT_PERMISSIONS';

describe('analytics across processes sharing one PostgreSQL', { skip: typeof backend === 'string' ? backend : false }, () => {
  const admin = generateSecret('tsr', randomBytes);
  const servers: ServerProcess[] = [];
  const env = () => ({
    ...(typeof backend === 'string' ? {} : backend.env),
    TESSERA_BOOTSTRAP_TOKEN: admin,
    TESSERA_USAGE_FLUSH_MS: '200',
    TESSERA_FAILED_ATTEMPTS_PER_MINUTE: '0',
  });
  const args = () => [...(typeof backend === 'string' ? [] : backend.args), '--log-level', 'warn'];
  const secrets = {} as Record<Outcome, string>;
  const sent: Record<Outcome, number> = { VALID: 0, REVOKED: 0, NOT_FOUND: 0, INSUFFICIENT_PERMISSIONS: 0 };
  const from = Date.now() - 60_000;

  before(async () => {
    if (typeof backend === 'string') return;
    for (let i = 0; i < NODES; i++) servers.push(await startServerProcess(args(), env()));
    const make = async (payload: object) => {
      const res = await fetch(`${servers[0]!.url}/v1/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `t${Math.random()}`, ...payload }),
      });
      assert.equal(res.status, 201);
      return (await res.json()) as { token: { id: string }; secret: string };
    };
    secrets.VALID = (await make({})).secret;
    secrets.INSUFFICIENT_PERMISSIONS = (await make({ scopes: ['read'] })).secret;
    const revoked = await make({});
    const revoke = await fetch(`${servers[0]!.url}/v1/tokens/${revoked.token.id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(revoke.status, 200);
    secrets.REVOKED = revoked.secret;
    secrets.NOT_FOUND = generateSecret('tsk', randomBytes);
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    if (typeof backend !== 'string') await backend.cleanup();
  });

  /** `n` verifications spread over the nodes and the outcomes, 20 at a time. */
  async function verifyMany(nodes: readonly ServerProcess[], n: number): Promise<void> {
    const outcomes = Object.keys(sent) as Outcome[];
    const one = async (i: number) => {
      const outcome = outcomes[(i * 7) % outcomes.length]!;
      const body = outcome === 'INSUFFICIENT_PERMISSIONS' ? { token: secrets[outcome], scopes: ['write'] } : { token: secrets[outcome] };
      const res = await fetch(`${nodes[i % nodes.length]!.url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as { code: string };
      assert.equal(answer.code, outcome);
      sent[outcome]++;
    };
    for (let i = 0; i < n; i += 20) await Promise.all(Array.from({ length: Math.min(20, n - i) }, (_, j) => one(i + j)));
  }

  async function totals(node: ServerProcess): Promise<Record<string, number>> {
    const res = await fetch(`${node.url}/v1/analytics/verifications?from=${from}&to=${Date.now() + 60_000}&granularity=hour`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { series: Array<{ key: { outcome: string }; total: number }> };
    return Object.fromEntries(body.series.map((s) => [s.key.outcome, s.total]));
  }

  const expected = () => Object.fromEntries(Object.entries(sent).filter(([, n]) => n > 0));
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  it('counts exactly what every node answered once their timed flushes have run, read from any node', async () => {
    await verifyMany(servers, 600);
    const want = sum(expected());
    // The flushes run every 200 ms: wait until every count has arrived (never more than sent).
    let seen: Record<string, number> = {};
    for (let tries = 0; tries < 300; tries++) {
      seen = await totals(servers[tries % NODES]!);
      if (sum(seen) >= want) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(seen, expected());
    for (const node of servers) assert.deepEqual(await totals(node), expected(), 'every node reads the same totals');
  });

  it('writes what is still in memory when the nodes shut down: a new node reads every count', async () => {
    await verifyMany(servers, 450);
    // Stopped at once: the counts since the last timed flush are written at shutdown.
    await Promise.all(servers.map((s) => s.stop()));
    servers.length = 0;
    servers.push(await startServerProcess(args(), env()));
    assert.deepEqual(await totals(servers[0]!), expected());
    assert.equal(sum(expected()), 1050);
  });
});
