/**
 * Charges per second against the plain store round trip, measured in the same run:
 * `npm run bench -- charges`. SQLite always; PostgreSQL when TESSERA_BENCH_DATABASE_URL (or
 * TESSERA_TEST_DATABASE_URL) names a server, in a throwaway database. A/B rounds alternate so
 * drift on the shared cores hits both alike; the figures are medians of the rounds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, tokenFields } from '../src/core/issue-token.js';
import { openStores } from '../src/store/open-stores.js';
import type { Stores } from '../src/store/stores.js';
import { benchServerUrl, withBenchDatabase } from './bench-database.js';
import { median } from './report.js';

const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** In flight at once: PostgreSQL's pool has 8 connections; SQLite serializes anyway. */
const CONCURRENCY = 8;

async function opsPerSecond(op: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + ROUND_MS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - start);
}

async function measure(name: string, stores: Stores): Promise<void> {
  const { token } = issueToken(
    tokenFields({ name: 'bench', type: 'api', origin: 'bench', ownerUserId: 'usr_bench', credits: 10n ** 18n, creditsActive: true }),
    Date.now(),
    randomBytes,
  );
  await stores.tokens.insert(token);
  const holder = { kind: 'token', id: token.id } as const;
  const lookups: number[] = [];
  const charges: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    lookups.push(await opsPerSecond(() => stores.tokens.findByDigest(token.digest)));
    charges.push(await opsPerSecond(() => stores.credits.charge(holder, 1n)));
  }
  const lookup = median(lookups);
  const charge = median(charges);
  console.log(
    `${name.padEnd(10)} lookup by digest ${lookup.toFixed(0).padStart(7)}/s   guarded charge ${charge.toFixed(0).padStart(7)}/s   ratio ${(charge / lookup).toFixed(2)}`,
  );
}

export async function benchCharges(): Promise<void> {
  console.log(`charges: ${ROUNDS} alternating rounds of ${ROUND_MS} ms, ${CONCURRENCY} in flight, medians`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const sqlite = await openStores({ dataDir: dir });
  try {
    await measure('SQLite', sqlite);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const server = benchServerUrl();
  if (!server) {
    console.log('PostgreSQL: skipped (set TESSERA_BENCH_DATABASE_URL=postgres://… to include it)');
    return;
  }
  await withBenchDatabase(server, async (url) => {
    const stores = await openStores({ dataDir: '', databaseUrl: url });
    try {
      await measure('PostgreSQL', stores);
    } finally {
      await stores.close();
    }
  });
}
