/**
 * `npm run bench -- cluster`: three tessera processes on one PostgreSQL (needs
 * TESSERA_BENCH_DATABASE_URL). Prints how long a revocation on one node takes to reach the
 * others (p50/p99), and warm-verify throughput of one node against three, in alternating rounds.
 * On a 2-core machine the three nodes, PostgreSQL and the load generator share the cores, so
 * three nodes measure contention more than scale: the per-node ratio says how much.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { generateSecret } from '../src/core/secret.js';
import { loadAgent, postJson } from '../test/support/http-load.js';
import { describeLatencies, measureRevocations } from '../test/support/propagation.js';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { benchServerUrl, withBenchDatabase } from './bench-database.js';
import { median } from './report.js';

const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 100);
const ROUND_S = Number(process.env.BENCH_ROUND_MS ?? 3000) / 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 48;

/** Warm verifications of one token per second, the connections split evenly over the given nodes. */
async function verifyRate(urls: string[], secret: string): Promise<number> {
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url: `${url}/v1/verify`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: secret }),
        connections: CONNECTIONS / urls.length,
        duration: ROUND_S,
      }),
    ),
  );
  for (const r of results) if (r.non2xx > 0 || r.errors > 0) throw new Error(`${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return results.reduce((sum, r) => sum + r.requests.average, 0);
}

export async function benchCluster(): Promise<void> {
  const server = benchServerUrl();
  if (!server) {
    console.log('cluster: skipped (set TESSERA_BENCH_DATABASE_URL=postgres://… to run three nodes on PostgreSQL)');
    return;
  }
  await withBenchDatabase(server, async (databaseUrl) => {
    const admin = generateSecret('tsr', randomBytes);
    const env = { DATABASE_URL: databaseUrl, TESSERA_BOOTSTRAP_TOKEN: admin, TESSERA_FAILED_ATTEMPTS_PER_MINUTE: '0' };
    const nodes: ServerProcess[] = [];
    const agent = loadAgent(10);
    // The nodes keep their secret key there; one directory for all, as one deployment would share it.
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
    try {
      for (let i = 0; i < 3; i++) nodes.push(await startServerProcess(['--log-level', 'warn', '--data-dir', dataDir], env));
      const urls = nodes.map((n) => n.url);

      const { latencies, late } = await measureRevocations(urls, admin, agent, { count: REVOCATIONS, deadlineMs: 5000 });
      console.log(`cluster: revocation on node 1 refused by nodes 2 and 3 after ${describeLatencies(latencies)}${late ? `; ${late} LATE (> 5 s)` : ''}`);

      const created = await postJson(`${urls[0]}/v1/tokens`, { name: 'bench' }, agent, { authorization: `Bearer ${admin}` });
      const secret = created.body.secret as string;
      const one: number[] = [];
      const three: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        one.push(await verifyRate(urls.slice(0, 1), secret));
        three.push(await verifyRate(urls, secret));
      }
      const single = median(one);
      const triple = median(three);
      console.log(
        `cluster: warm verify, ${CONNECTIONS} connections, medians of ${ROUNDS} alternating ${ROUND_S} s rounds: ` +
          `1 node ${single.toFixed(0)}/s, 3 nodes ${triple.toFixed(0)}/s (${(triple / single).toFixed(2)}× in all, ` +
          `${(triple / 3 / single).toFixed(2)}× per node; ${cpus().length} cores shared by the nodes, PostgreSQL and the load generator)`,
      );
    } finally {
      agent.destroy();
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
