/**
 * Importing another system's keys into a fresh SQLite store (issue 23: 1M in under a minute):
 * `npm run bench -- import`. The import runs through importFile, the code `tessera import` runs
 * (both passes over a CSV file of plaintext keys, hashing, checks, the existence lookups and the
 * bulk write); the baseline is the floor under it, measured in the same run: the same rows
 * inserted by better-sqlite3 alone, one prepared statement in one transaction. Medians of rounds.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { BASE62_ALPHABET } from '../src/core/base62.js';
import { digestSecret } from '../src/core/digest.js';
import { newId } from '../src/core/ids.js';
import { newTokenRecord, tokenFields } from '../src/core/issue-token.js';
import { IMPORT_SQLITE_CACHE_MB, importerFor } from '../src/server/data-commands.js';
import { importFile } from '../src/server/import-file.js';
import { openStores } from '../src/store/open-stores.js';
import { toRow } from '../src/store/sql/sql-token-store.js';
import { median } from './report.js';

const KEYS = Number(process.env.BENCH_IMPORT_KEYS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_IMPORT_ROUNDS ?? 3);

/** Keys of another system's shape: `sk_live_` and 32 base62 characters. */
function foreignKeys(n: number): string[] {
  const keys: string[] = [];
  const bytes = randomBytes(n * 32);
  for (let i = 0; i < n; i++) {
    let key = 'sk_live_';
    for (let j = 0; j < 32; j++) key += BASE62_ALPHABET[bytes[i * 32 + j]! % 62];
    keys.push(key);
  }
  return keys;
}

async function writeCsv(path: string, keys: readonly string[]): Promise<void> {
  const out = createWriteStream(path);
  out.write('key,name,scopes\n');
  for (const [i, key] of keys.entries()) if (!out.write(`${key},key ${i},read\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** Wall time and this process's CPU time (user + system): on a machine shared with others, the second shows what the work itself cost. */
interface Timing {
  wallMs: number;
  cpuMs: number;
}

async function timed(work: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

async function timeImport(csv: string): Promise<Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-import-'));
  // As `tessera import` opens it.
  const stores = await openStores({ dataDir: dir, sqliteCacheMb: IMPORT_SQLITE_CACHE_MB });
  try {
    await stores.accounts.createUser({ id: 'usr_bench', name: 'bench', email: null, role: 'admin', createdAt: Date.now() });
    return await timed(async () => {
      const report = await importFile(
        { importer: importerFor(stores), accounts: stores.accounts },
        { path: csv, format: 'csv', dryRun: false, skipInvalid: false, owner: 'usr_bench' },
      );
      if (report.imported !== KEYS) throw new Error(`imported ${report.imported} of ${KEYS}`);
    });
  } finally {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same tokens as the import makes, made and inserted one by one by better-sqlite3 alone (one
 * prepared statement, one transaction) into the same migrated schema: no file, no checks, no lookups.
 */
async function timeBaseline(keys: readonly string[]): Promise<Timing> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-import-'));
  await (await openStores({ dataDir: dir })).close();
  const db = new SqliteDatabase(join(dir, 'tessera.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma(`cache_size = -${IMPORT_SQLITE_CACHE_MB * 1024}`);
  try {
    return await timed(async () => {
      const now = Date.now();
      let insert: SqliteDatabase.Statement | undefined;
      db.transaction(() => {
        for (const [i, key] of keys.entries()) {
          const row = toRow(
            newTokenRecord(tokenFields({ name: `key ${i}`, type: 'api', origin: 'import', ownerUserId: 'usr_bench', scopes: ['read'] }), {
              id: newId('tok', now, randomBytes),
              digest: digestSecret(key),
              prefix: '',
              suffix: key.slice(-4),
              createdAt: now,
              updatedAt: now,
            }),
          );
          const values = Object.values(row);
          insert ??= db.prepare(`insert into tokens (${Object.keys(row).join(', ')}) values (${values.map(() => '?').join(', ')})`);
          insert.run(values);
        }
      })();
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchImport(): Promise<void> {
  console.log(`import: ${KEYS} foreign keys from CSV into a fresh SQLite store, ${ROUNDS} rounds, medians`);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-import-'));
  try {
    const keys = foreignKeys(KEYS);
    const csv = join(dir, 'keys.csv');
    await writeCsv(csv, keys);
    const imports: Timing[] = [];
    const baselines: Timing[] = [];
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    for (let round = 0; round < ROUNDS; round++) {
      baselines.push(await timeBaseline(keys));
      imports.push(await timeImport(csv));
      const [b, t] = [baselines[round]!, imports[round]!];
      console.log(
        `  round ${round + 1}: tessera import ${seconds(t.wallMs)} (CPU ${seconds(t.cpuMs)}), raw insert ${seconds(b.wallMs)} (CPU ${seconds(b.cpuMs)})`,
      );
    }
    const row = (name: string, timings: Timing[]) => {
      const wall = median(timings.map((t) => t.wallMs));
      const cpu = median(timings.map((t) => t.cpuMs));
      console.log(`${name.padEnd(15)} ${seconds(wall).padStart(8)}  ${String(Math.round((KEYS * 1000) / wall)).padStart(7)}/s   CPU ${seconds(cpu)}`);
      return wall;
    };
    const tessera = row('tessera import', imports);
    const floor = row('raw insert', baselines);
    console.log(`ratio           ${(tessera / floor).toFixed(2)}× the raw insert's wall time`);
    // Issue 23's target, scaled to the keys of this run.
    const target = (60_000 * KEYS) / 1_000_000;
    console.log(`target          ${seconds(target)} (1M keys in under a minute): ${tessera < target ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
