/**
 * Runs the load scenarios: the baselines and `tessera serve`, each its own process, loaded in
 * alternating rounds (baseline, tessera, baseline, tessera, …) so drift on the shared cores hits
 * both alike. The baselines are a bare node:http server, for the whole run, and for each SQLite
 * store the miss floor (miss-floor-server.ts) on that store's file. tessera runs as `npm start`
 * runs it: the same V8 flag, every setting at its default but those a scenario sets.
 * Per store — a large SQLite store, a small one (the same scenario on both shows what the
 * store's size costs, in speed and RSS), and PostgreSQL when a server is given — a scenario with
 * settings of its own runs on a tessera process of its own, and the others share one.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret } from '../src/core/secret.js';
import { startListeningProcess, startServerProcess, type ProcessOptions, type ServerProcess } from '../test/support/server-process.js';
import { withBenchDatabase } from './bench-database.js';
import type { Pinning } from './cores.js';
import { loadRound, type LoadPlan, type LoadTarget, type RoundFigures } from './load.js';
import { BASELINE_NAMES, DEFAULT_SETTINGS, median, type BaselineKind, type Round, type RowResult } from './report.js';
import { probe, SCENARIOS, valid, type Scenario, type StoreKind } from './scenarios.js';
import { seedPostgres, seedSqlite, type Seeded } from './seed.js';

const BASELINE = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
const MISS_FLOOR = fileURLToPath(new URL('./miss-floor-server.js', import.meta.url));
/**
 * tessera's JSON log goes to /dev/null: kept here it would grow by megabytes a second at info,
 * and a pipe read by this process (the load generator) would take from its core and, when full,
 * stall the server until read.
 */
const SERVER_OUTPUT: ProcessOptions = { stdout: 'ignore' };
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

/**
 * tessera's environment as `npm start` would give it on a machine where nothing is set: every
 * variable it reads removed (a value of its own set in this shell would change the figures),
 * then the admin token for the scenarios' setup calls and, for PostgreSQL, the database.
 */
export function tesseraEnv(admin: string, databaseUrl?: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const name of Object.keys(process.env)) if (name.startsWith('TESSERA_')) env[name] = undefined;
  for (const name of ['LOG_LEVEL', 'DATABASE_URL', 'REDIS_URL', 'HOST', 'PORT']) env[name] = undefined;
  env.TESSERA_BOOTSTRAP_TOKEN = admin;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return env;
}

/** A scenario's settings as the table shows them. */
const settingsOf = (scenario: Scenario) =>
  scenario.env
    ? Object.entries(scenario.env)
        .map(([name, value]) => `${name}=${value}`)
        .join(' ')
    : DEFAULT_SETTINGS;

const target = (p: ServerProcess): LoadTarget => ({ url: p.url, pid: p.child.pid! });

/** A baseline server and what it is. */
interface Baseline {
  kind: BaselineKind;
  server: ServerProcess;
}

/**
 * Rounds of each baseline and tessera in turn, the first of `baselines` just before tessera's:
 * one row per baseline, from the same tessera rounds, the first with the scenario's targets.
 */
async function measure(
  scenario: Scenario,
  kind: StoreKind,
  store: string,
  plan: LoadPlan,
  baselines: readonly Baseline[],
  tessera: ServerProcess,
  options: SuiteOptions,
): Promise<RowResult[]> {
  const offsets = new Map<ServerProcess, number>();
  const round = async (server: ServerProcess, durationS: number) => {
    const figures = await loadRound(target(server), plan, { connections: options.connections, durationS, offset: offsets.get(server) ?? 0 });
    offsets.set(server, (offsets.get(server) ?? 0) + Math.round(figures.requests / options.connections));
    return figures;
  };
  const order = [...baselines].reverse();
  if (options.warmupSeconds > 0) {
    for (const b of order) await round(b.server, options.warmupSeconds);
    await round(tessera, options.warmupSeconds);
  }
  const rounds: Round[][] = baselines.map(() => []);
  for (let i = 0; i < options.rounds; i++) {
    const figures = new Map<Baseline, RoundFigures>();
    for (const b of order) figures.set(b, await round(b.server, options.roundSeconds));
    const t = await round(tessera, options.roundSeconds);
    baselines.forEach((b, at) => rounds[at]!.push({ baseline: figures.get(b)!, tessera: t }));
    const against = baselines.map((b) => `${BASELINE_NAMES[b.kind]} ${perSecond(figures.get(b)!)}`).join(', ');
    const ratios = baselines.map((b) => `${(t.requestsPerSecond / figures.get(b)!.requestsPerSecond).toFixed(2)}× ${BASELINE_NAMES[b.kind]}`).join(', ');
    log(`  round ${i + 1}: ${against}, tessera ${perSecond(t)} (${ratios})`);
  }
  const title = scenario.title.replace('{n}', count(plan.bodies?.length ?? 1));
  const notes = scenario.note ? [scenario.note] : [];
  if (baselines[0]!.kind === 'miss-floor') notes.push('The miss floor reads the same SQLite file, read-only, and is sent the same bodies.');
  if (plan.bodies) {
    const again = plan.bodies.length / median(rounds[0]!.map((r) => r.tessera.requestsPerSecond));
    const ttlS = Number(scenario.env?.TESSERA_CACHE_TTL_MS ?? DEFAULT_CACHE_TTL_MS) / 1000;
    notes.push(
      `${plan.bodies.length.toLocaleString('en-US')} distinct bodies, each sent again after ~${again.toFixed(1)} s` +
        (scenario.name === 'verify-misses' ? ` (cache TTL ${ttlS} s: ${again > ttlS ? 'every lookup misses' : 'some lookups hit the cache'})` : ''),
    );
  }
  return baselines.map((b, at) => {
    const row: RowResult = {
      scenario: scenario.name,
      item: scenario.item,
      title,
      store,
      settings: settingsOf(scenario),
      baseline: b.kind,
      targets: at === 0 ? scenario.targets(kind) : {},
      rounds: rounds[at]!,
    };
    const own =
      at === 0
        ? notes
        : [`The same tessera rounds as the row against the ${BASELINE_NAMES[baselines[0]!.kind]}, here against ${BASELINE_NAMES[b.kind]} (no target).`];
    if (own.length > 0) row.note = own.join(' ');
    return row;
  });
}

/**
 * `scenarios` in groups: each with settings of its own alone, the others together on one
 * process at the place of the first of them.
 */
export function processGroups(scenarios: readonly Scenario[]): Scenario[][] {
  const groups: Scenario[][] = [];
  let shared: Scenario[] | undefined;
  for (const scenario of scenarios) {
    if (scenario.env) groups.push([scenario]);
    else if (shared) shared.push(scenario);
    else groups.push((shared = [scenario]));
  }
  return groups;
}

/** Runs `scenarios` on the given store, seeded here, each group of them on a tessera process started here. */
async function onStore(kind: StoreKind, scenarios: readonly Scenario[], bare: ServerProcess, options: SuiteOptions, result: SuiteResult): Promise<void> {
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
    // The miss floor reads the file just seeded, read-only, beside tessera.
    const wantsFloor = scenarios.some((s) => s.baselines?.(kind).includes('miss-floor'));
    const floor = wantsFloor ? await startListeningProcess([MISS_FLOOR, join(dataDir, 'tessera.db')], {}, options.pinning?.server) : undefined;
    const servers: Record<BaselineKind, ServerProcess | undefined> = { bare, 'miss-floor': floor };
    try {
      for (const group of processGroups(scenarios)) {
        const tessera = await startServerProcess(['--data-dir', dataDir], { ...env, ...group[0]!.env }, options.pinning?.server, SERVER_OUTPUT);
        try {
          for (const scenario of group) {
            log(`${scenario.name} on ${store} (${settingsOf(scenario)}):`);
            const plan = await scenario.prepare({ url: tessera.url, admin, secrets: seeded.secrets });
            const baselines = (scenario.baselines?.(kind) ?? ['bare']).map((b) => ({ kind: b, server: servers[b]! }));
            // The floor must find the tokens tessera finds, or it measures lookups of nothing.
            if (floor && baselines.some((b) => b.kind === 'miss-floor')) await probe(floor.url, plan, valid);
            result.rows.push(...(await measure(scenario, kind, store, plan, baselines, tessera, options)));
          }
        } finally {
          await tessera.stop();
        }
      }
    } finally {
      await floor?.stop();
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
  const bare = await startListeningProcess([BASELINE], {}, options.pinning?.server);
  try {
    for (const kind of ['sqlite-large', 'sqlite-small', 'postgres'] as const) {
      const here = options.scenarios.filter((s) => s.stores.includes(kind));
      if (here.length === 0) continue;
      if (kind === 'postgres' && !options.postgresServer) {
        result.skipped.push(`PostgreSQL (${here.map((s) => s.name).join(', ')}): set TESSERA_BENCH_DATABASE_URL=postgres://… to include it`);
        continue;
      }
      await onStore(kind, here, bare, options, result);
    }
  } finally {
    await bare.stop();
  }
  return result;
}

export { SCENARIOS };
