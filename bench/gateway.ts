/**
 * What forward-auth costs at the gateway: `npm run bench -- gateway`. nginx alone in front of an
 * upstream (the bare node:http baseline) against nginx with docs/gateways.md's `auth_request`
 * block asking tessera, as `npm start` runs it (default settings, logging at info), in front of the
 * same upstream; and, beside them, tessera's own GET /v1/forward-auth against POST /v1/verify on
 * the same process. Rounds alternate so drift on the shared cores hits every row alike; figures
 * are medians. Skipped, with the reason, when nginx is not installed.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from '../src/core/secret.js';
import { documentedConfig, gatewayMissing, NGINX, startNginx, withAddresses, type Gateway } from '../test/support/gateways.js';
import { startListeningProcess, startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { loadRound, type LoadPlan, type LoadTarget, type RoundFigures } from './load.js';
import { median } from './report.js';

const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Row {
  name: string;
  target: LoadTarget;
  plan: LoadPlan;
  rounds: RoundFigures[];
}

export async function benchGateway(): Promise<void> {
  const missing = gatewayMissing('nginx', NGINX);
  if (missing) {
    console.log(`gateway: skipped: ${missing}`);
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-gateway-'));
  const admin = generateSecret('tsr', randomBytes);
  const started: Array<{ stop(): Promise<unknown> }> = [];
  try {
    const upstream = await startListeningProcess([BASELINE], {}, [], { stdout: 'ignore' });
    started.push(upstream);
    const tessera: ServerProcess = await startServerProcess(['--data-dir', dataDir], { TESSERA_BOOTSTRAP_TOKEN: admin }, [], { stdout: 'ignore' });
    started.push(tessera);
    const made = await fetch(`${tessera.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench gateway', type: 'api', scopes: ['docs:read'] }),
    });
    if (made.status !== 201) throw new Error(`creating the key: ${made.status} ${await made.text()}`);
    const key = ((await made.json()) as { secret: string }).secret;
    const upstreamHost = new URL(upstream.url).host;
    const alone: Gateway = await startNginx(`location / {\n    proxy_pass http://${upstreamHost};\n}\n`);
    started.push(alone);
    const withTessera: Gateway = await startNginx(withAddresses(documentedConfig('nginx'), new URL(tessera.url).host, upstreamHost));
    started.push(withTessera);
    const keepalive: Gateway = await startNginx(withAddresses(documentedConfig('nginx-keepalive'), new URL(tessera.url).host, upstreamHost));
    started.push(keepalive);

    const auth = { authorization: `Bearer ${key}` };
    const pidOf = (url: string, pid: number | undefined): LoadTarget => ({ url, pid: pid! });
    const rows: Row[] = [
      { name: 'nginx alone → upstream', target: pidOf(alone.url, alone.pid), plan: { method: 'GET', path: '/items' }, rounds: [] },
      {
        name: 'nginx + tessera auth_request → upstream',
        target: pidOf(withTessera.url, withTessera.pid),
        plan: { method: 'GET', path: '/items', headers: auth },
        rounds: [],
      },
      {
        name: 'nginx + tessera auth_request, keepalive to tessera → upstream',
        target: pidOf(keepalive.url, keepalive.pid),
        plan: { method: 'GET', path: '/items', headers: auth },
        rounds: [],
      },
      {
        name: 'tessera GET /v1/forward-auth?scopes=docs:read',
        target: pidOf(tessera.url, tessera.child.pid),
        plan: { method: 'GET', path: '/v1/forward-auth?scopes=docs:read', headers: auth },
        rounds: [],
      },
      {
        name: 'tessera POST /v1/verify (same key and scope)',
        target: pidOf(tessera.url, tessera.child.pid),
        plan: { method: 'POST', path: '/v1/verify', body: JSON.stringify({ token: key, scopes: ['docs:read'] }) },
        rounds: [],
      },
    ];
    const probe = await fetch(`${withTessera.url}/items`, { headers: auth });
    if (probe.status !== 200) throw new Error(`nginx + tessera answered ${probe.status}: ${await probe.text()}`);
    for (const row of rows) await loadRound(row.target, row.plan, { connections: CONNECTIONS, durationS: 2 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const row of rows) row.rounds.push(await loadRound(row.target, row.plan, { connections: CONNECTIONS, durationS: ROUND_S }));
    }
    const alonePerS = median(rows[0]!.rounds.map((r) => r.requestsPerSecond));
    const verifyPerS = median(rows[4]!.rounds.map((r) => r.requestsPerSecond));
    console.log(`\ngateway: ${CONNECTIONS} connections, medians of ${ROUNDS} rounds of ${ROUND_S} s (after a 2 s warm-up each)\n`);
    console.log('| load | requests/s | p50 ms | p99 ms | ratio |');
    console.log('|---|---|---|---|---|');
    for (const [i, row] of rows.entries()) {
      const perS = median(row.rounds.map((r) => r.requestsPerSecond));
      const against = i < 3 ? `${(perS / alonePerS).toFixed(2)}× nginx alone` : `${(perS / verifyPerS).toFixed(2)}× /v1/verify`;
      const p50 = median(row.rounds.map((r) => r.p50));
      const p99 = median(row.rounds.map((r) => r.p99));
      console.log(`| ${row.name} | ${Math.round(perS).toLocaleString('en')} | ${p50} | ${p99} | ${against} |`);
    }
  } finally {
    for (const one of started.reverse()) await one.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
