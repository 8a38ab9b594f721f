/**
 * `npm run bench [-- --quick] [-- scenario…]`: the load scenarios of issues 6 and 18, tessera
 * as `npm start` runs it against a bare node:http baseline and, for cache misses, a miss floor,
 * both in the same run (all of them when none is named), and the `charges` and `cluster`
 * scenarios when named. Writes results.json, results.md and results.svg under bench/results/
 * for a full run of every load scenario, under bench/results/dev/ otherwise.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchServerUrl } from './bench-database.js';
import { benchCharges } from './charges.js';
import { benchCluster } from './cluster.js';
import { benchGateway } from './gateway.js';
import { benchVerifier } from './verifier.js';
import { benchImport } from './import.js';
import { pinCores } from './cores.js';
import { resultsJson, resultsMarkdown } from './results.js';
import { inReportOrder, rssByStore, svgChart, textTable } from './report.js';
import { runSuite, SCENARIOS, type SuiteOptions } from './suite.js';

const OTHERS: Record<string, () => Promise<void>> = {
  charges: benchCharges,
  cluster: benchCluster,
  verifier: benchVerifier,
  gateway: benchGateway,
  import: benchImport,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    connections: { type: 'string' },
    warmup: { type: 'string' },
    unpinned: { type: 'boolean', default: false },
    tokens: { type: 'string' },
    'pg-tokens': { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const known = [...SCENARIOS.map((s) => s.name), ...Object.keys(OTHERS)];
if (values.help) {
  console.log(
    'npm run bench [-- [--quick] [--rounds N] [--seconds N] [--warmup N] [--connections N] [--tokens N] [--pg-tokens N] [--unpinned] [--out DIR] [scenario…]]\n' +
      `scenarios: ${known.join(', ')} (default: every load scenario; charges, cluster, verifier, gateway and import only when named)\n` +
      'PostgreSQL rows need TESSERA_BENCH_DATABASE_URL=postgres://… (a throwaway database is made on that server).',
  );
  process.exit(0);
}
const unknown = positionals.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  process.exit(2);
}

const number = (text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${text}`);
  return n;
};
const quick = values.quick;
const wanted = positionals.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => positionals.includes(s.name));
// Only for the load scenarios: `charges` and `cluster` run where the scheduler puts them.
const cores = values.unpinned || wanted.length === 0 ? { reason: '--unpinned' } : pinCores();
if (cores.reason && wanted.length > 0) console.error(`servers and load generator not pinned to cores: ${cores.reason}`);
const options: SuiteOptions = {
  rounds: number(values.rounds, quick ? 2 : 4),
  roundSeconds: number(values.seconds, quick ? 1 : 2),
  // tessera's first seconds under load are V8 compiling its hot path (a request costs several
  // times what it will): the warm-up lets that finish before the measured rounds.
  warmupSeconds: number(values.warmup, quick ? 2 : 5),
  connections: number(values.connections, 50),
  tokens: number(values.tokens, quick ? 100_000 : 1_000_000),
  postgresTokens: number(values['pg-tokens'], quick ? 20_000 : 200_000),
  postgresServer: benchServerUrl(),
  scenarios: wanted,
  pinning: cores.pinning,
};

if (wanted.length > 0) {
  const started = new Date();
  const command = `${options.postgresServer ? 'TESSERA_BENCH_DATABASE_URL=postgres://… ' : ''}npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const result = await runSuite(options);
  result.rows = inReportOrder(result.rows);
  console.log(`\n${textTable(result.rows)}\n`);
  const rss = rssByStore(
    result.rows.filter((r) => r.store.startsWith('SQLite')),
    'verify-misses',
  );
  if (rss) console.log(`RSS under the same cache-miss load: ${rss}`);
  for (const line of result.skipped) console.log(`skipped: ${line}`);
  const official = !quick && positionals.length === 0 && process.argv.length === 2;
  const out = values.out ?? fileURLToPath(new URL(official ? '../../bench/results/' : '../../bench/results/dev/', import.meta.url));
  mkdirSync(out, { recursive: true });
  const run = { command, started, finished: new Date(), options, result };
  writeFileSync(join(out, 'results.json'), resultsJson(run));
  writeFileSync(join(out, 'results.md'), resultsMarkdown(run));
  writeFileSync(
    join(out, 'results.svg'),
    svgChart(result.rows, `${command} · ${started.toISOString().slice(0, 10)} · ${options.connections} connections · medians of ${options.rounds} rounds`),
  );
  console.log(`wrote ${join(out, 'results.{json,md,svg}')}`);
}
for (const name of positionals.filter((n) => n in OTHERS)) await OTHERS[name]!();
