/**
 * Runs the load scenarios: a bare node:http baseline and `tessera serve`, each its own
 * process, loaded in alternating rounds (baseline, tessera, baseline, tessera, …) so drift on
 * the shared cores hits both alike. Per store — a large SQLite store, a small one (the same
 * scenario on both shows what the store's size costs, in speed and RSS), and PostgreSQL when
 * a server is given — a scenario with settings of its own runs on a tessera process of its
 * own, and the others share one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from '../src/core/secret.js';
import { startListeningProcess, startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { withBenchDatabase } from './bench-database.js';
import type { Pinning } from './cores.js';
import { loadRound, type LoadPlan, type LoadTarget, type RoundFigures } from './load.js';
import { summarize, type Round, type RowResult } from './report.js';
import { SCENARIOS, type Scenario, type StoreKind } from './scenarios.js';
import { seedPostgres, seedSqlite, type Seeded } from './seed.js';

const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
/** How many seeded secrets the scenarios present: the distinct tokens of `verify-misses`. */
const VERIFIED = 100_000;
/** tessera's default (TESSERA_CACHE_TTL_MS), for the note on how often a token comes again. */
const DEFAULT_CACHE_TTL_MS = 10_000;

export interface SuiteOptions {
  rounds: number;
  roundSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Tokens in the large SQLite store; the small one has a tenth. */
  tokens: number;
  postgresTokens: number;
  /** A PostgreSQL server for throwaway databases; PostgreSQL is skipped without one. */
  postgresServer: string | undefined;
  scenarios: readonly Scenario[];
  /** How the servers are pinned to cores (cores.ts); undefined: where the scheduler puts them. */
  pinning: Pinning | undefined;
}

export interface SeedTime {
  store: string;
  tokens: number;
  seconds: number;
}

export interface SuiteResult {
  rows: RowResult[];
  seeding: SeedTime[];
  skipped: string[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const count = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
const perSecond = (r: RoundFigures) => `${Math.round(r.requestsPerSecond).toLocaleString('en-US')}/s p99 ${r.p99} ms ${Math.round(r.cpuUsPerRequest)} µs CPU`;

/** Everything tessera reads from the environment that would change the figures, set or blanked. */
function tesseraEnv(admin: string, databaseUrl = ''): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    TESSERA_BOOTSTRAP_TOKEN: admin,
    LOG_LEVEL: 'warn',
    TESSERA_FAILED_ATTEMPTS_PER_MINUTE: '0',
    REDIS_URL: '',
    TESSERA_CACHE_TTL_MS: '',
    TESSERA_CACHE_MAX_ENTRIES: '',
    TESSERA_CHANGE_SIGNAL: '',
    TESSERA_CHANGE_POLL_MS: '',
  };
}

const target = (p: ServerProcess): LoadTarget => ({ url: p.url, pid: p.child.pid! });

async function measure(
  scenario: Scenario,
  kind: StoreKind,
  store: string,
  plan: LoadPlan,
  baseline: ServerProcess,
  tessera: ServerProcess,
  options: SuiteOptions,
): Promise<RowResult> {
  const offsets = new Map<ServerProcess, number>();
  const round = async (server: ServerProcess, durationS: number) => {
    const figures = await loadRound(target(server), plan, { connections: options.connections, durationS, offset: offsets.get(server) ?? 0 });
    offsets.set(server, (offsets.get(server) ?? 0) + Math.round(figures.requests / options.connections));
    return figures;
  };
  if (options.warmupSeconds > 0) {
    await round(baseline, options.warmupSeconds);
    await round(tessera, options.warmupSeconds);
  }
  const rounds: Round[] = [];
  for (let i = 0; i < options.rounds; i++) {
    const a = await round(baseline, options.roundSeconds);
    const b = await round(tessera, options.roundSeconds);
    rounds.push({ baseline: a, tessera: b });
    log(`  round ${i + 1}: baseline ${perSecond(a)}, tessera ${perSecond(b)} (${(b.requestsPerSecond / a.requestsPerSecond).toFixed(2)}×)`);
  }
  const title = scenario.title.replace('{n}', count(plan.bodies?.length ?? 1));
  const row: RowResult = { scenario: scenario.name, item: scenario.item, title, store, targets: scenario.targets(kind), rounds };
  const notes = scenario.note ? [scenario.note] : [];
  if (scenario.env) notes.push(`On a tessera process of its own, with ${Object.entries(scenario.env).map(([name, value]) => `${name}=${value}`).join(' ')}.`);
  if (plan.bodies) {
    const again = plan.bodies.length / summarize(row).tessera.requestsPerSecond;
    const ttlS = Number(scenario.env?.TESSERA_CACHE_TTL_MS ?? DEFAULT_CACHE_TTL_MS) / 1000;
    notes.push(
      `${plan.bodies.length.toLocaleString('en-US')} distinct bodies, each sent again after ~${again.toFixed(1)} s` +
        (scenario.name === 'verify-misses' ? ` (cache TTL ${ttlS} s: ${again > ttlS ? 'every lookup misses' : 'some lookups hit the cache'})` : ''),
    );
  }
  if (notes.length > 0) row.note = notes.join(' ');
  return row;
}

/** Runs `scenarios` against one tessera process on the given store, seeded and started here. */
async function onStore(
  kind: StoreKind,
  scenarios: readonly Scenario[],
  baseline: ServerProcess,
  options: SuiteOptions,
  result: SuiteResult,
): Promise<void> {
  const tokens = kind === 'sqlite-large' ? options.tokens : kind === 'sqlite-small' ? Math.max(1000, Math.round(options.tokens / 10)) : options.postgresTokens;
  const store = `${kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} ${count(tokens)}`;
  const keep = Math.min(VERIFIED, tokens);
  const admin = generateSecret('tsr', randomBytes);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const run = async (seed: () => Promise<Seeded>, databaseUrl?: string) => {
    log(`${store}: seeding ${tokens.toLocaleString('en-US')} tokens…`);
    const seeded = await seed();
    result.seeding.push({ store, tokens, seconds: seeded.ms / 1000 });
    log(`${store}: seeded in ${(seeded.ms / 1000).toFixed(1)} s`);
    const env = tesseraEnv(admin, databaseUrl);
    // Each scenario with settings of its own on a process of its own, the rest on one together.
    const groups = [...scenarios.filter((s) => s.env).map((s) => [s]), scenarios.filter((s) => !s.env)].filter((group) => group.length > 0);
    for (const group of groups) {
      const tessera = await startServerProcess(['--data-dir', dataDir], { ...env, ...group[0]!.env }, options.pinning?.server);
      try {
        for (const scenario of group) {
          log(`${scenario.name} on ${store}:`);
          const plan = await scenario.prepare({ url: tessera.url, admin, secrets: seeded.secrets });
          result.rows.push(await measure(scenario, kind, store, plan, baseline, tessera, options));
        }
      } finally {
        await tessera.stop();
      }
    }
  };
  try {
    if (kind !== 'postgres') await run(() => seedSqlite(dataDir, tokens, keep));
    else await withBenchDatabase(options.postgresServer!, (url) => run(() => seedPostgres(url, tokens, keep), url));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const result: SuiteResult = { rows: [], seeding: [], skipped: [] };
  const baseline = await startListeningProcess([BASELINE], {}, options.pinning?.server);
  try {
    for (const kind of ['sqlite-large', 'sqlite-small', 'postgres'] as const) {
      const here = options.scenarios.filter((s) => s.stores.includes(kind));
      if (here.length === 0) continue;
      if (kind === 'postgres' && !options.postgresServer) {
        result.skipped.push(`PostgreSQL (${here.map((s) => s.name).join(', ')}): set TESSERA_BENCH_DATABASE_URL=postgres://… to include it`);
        continue;
      }
      await onStore(kind, here, baseline, options, result);
    }
  } finally {
    await baseline.stop();
  }
  return result;
}

export { SCENARIOS };
