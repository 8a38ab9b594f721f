/**
 * Fills a fresh store with real tokens, fast: records made by `issueToken` and mapped by the
 * SQL store's own `toRow`, so tessera verifies them as VALID, written in bulk beside the
 * store code (one prepared INSERT per row in transactions on SQLite, `unnest` arrays on
 * PostgreSQL). Only the secrets the benchmark will present are kept.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { digestSecret } from '../src/core/digest.js';
import { newId } from '../src/core/ids.js';
import { issueToken, tokenFields, type TokenFields } from '../src/core/issue-token.js';
import { generateSecret, secretSuffix } from '../src/core/secret.js';
import { TOKEN_PREFIX } from '../src/core/token.js';
import { openStores } from '../src/store/open-stores.js';
import type { TokensTable } from '../src/store/sql/schema.js';
import { toRow } from '../src/store/sql/sql-token-store.js';

export interface Seeded {
  /** The secrets of `keep` tokens spread evenly over the store, in insertion order. */
  secrets: string[];
  ms: number;
}

const BATCH = 50_000;

/** CSPRNG bytes drawn 64 kB at a time: one call per token would cost more than the rest of issuing it. */
export function pooledRandomBytes(): (n: number) => Uint8Array {
  let pool = randomBytes(65_536);
  let at = 0;
  return (n) => {
    if (at + n > pool.length) {
      pool = randomBytes(Math.max(65_536, n));
      at = 0;
    }
    at += n;
    return pool.subarray(at - n, at);
  };
}

/** Token rows as positional values in `columns` order, and the secrets kept. */
interface RowBatches {
  columns: Array<keyof TokensTable>;
  secrets: string[];
}

/**
 * Makes `count` token rows in batches; every `count / keep`-th secret is kept. All rows share
 * the template's fields; each gets its own secret, digest, suffix and id, made by the same
 * functions as `issueToken`. Calling `issueToken` per row would cost 25–65 µs here (its object
 * spread), minutes for a million: one row per batch is checked against it instead.
 */
async function makeRows(
  count: number,
  keep: number,
  write: (rows: unknown[][], columns: Array<keyof TokensTable>) => Promise<void> | void,
): Promise<RowBatches> {
  const random = pooledRandomBytes();
  const fields = tokenFields({ name: 'bench', type: 'api', origin: 'bench', ownerUserId: 'usr_bench' });
  const now = Date.now();
  const template = toRow(issueToken(fields, now, random).token);
  const columns = Object.keys(template) as Array<keyof TokensTable>;
  const values = columns.map((c) => template[c]);
  const [ID, DIGEST, SUFFIX] = (['id', 'digest', 'suffix'] as const).map((c) => columns.indexOf(c));
  const prefix = TOKEN_PREFIX.api;
  const every = Math.max(1, Math.floor(count / Math.max(1, keep)));
  const secrets: string[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const rows: unknown[][] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const secret = generateSecret(prefix, random);
      const row = values.slice();
      row[ID!] = newId('tok', now, random);
      row[DIGEST!] = digestSecret(secret);
      row[SUFFIX!] = secretSuffix(secret);
      rows.push(row);
      if (i % every === 0 && secrets.length < keep) secrets.push(secret);
      if (i === start) assertIssuedAlike(row, columns, fields, now, secret);
    }
    await write(rows, columns);
  }
  return { columns, secrets };
}

/** The row made here equals what `issueToken` makes of the same secret, but for the id (random) and times. */
function assertIssuedAlike(row: unknown[], columns: Array<keyof TokensTable>, fields: TokenFields, now: number, secret: string): void {
  const issued = toRow(issueToken(fields, now, randomBytes, secret).token);
  for (const [i, column] of columns.entries()) {
    if (column === 'id') continue;
    const [a, b] = [row[i], issued[column]];
    const same = Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b;
    if (!same) throw new Error(`seeded column ${column} differs from issueToken's: ${String(a)} ≠ ${String(b)}`);
  }
}

/** Seeds `<dataDir>/tessera.db` (created and migrated here) with `count` tokens. */
export async function seedSqlite(dataDir: string, count: number, keep: number): Promise<Seeded> {
  const started = performance.now();
  await (await openStores({ dataDir })).close();
  const db = new SqliteDatabase(join(dataDir, 'tessera.db'));
  try {
    db.pragma('journal_mode = WAL');
    // A throwaway benchmark store: nothing to lose in a crash while seeding.
    db.pragma('synchronous = OFF');
    // Random digests land all over the unique index: with the default 2 MB page cache, a million inserts thrash.
    db.pragma('cache_size = -524288');
    let insert: SqliteDatabase.Statement<unknown[]> | undefined;
    const { secrets } = await makeRows(count, keep, (rows, columns) => {
      insert ??= db.prepare(`insert into tokens (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
      db.transaction(() => {
        for (const row of rows) insert!.run(row);
      })();
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { secrets, ms: performance.now() - started };
  } finally {
    db.close();
  }
}

const BIGINT_COLUMNS = new Set(['expires_at', 'created_at', 'updated_at', 'revoked_at', 'leaked_at', 'credits', 'last_refill_at']);
const postgresType = (column: string) =>
  column === 'digest' ? 'bytea' : column === 'credits_active' ? 'integer' : BIGINT_COLUMNS.has(column) ? 'bigint' : 'text';

/** Seeds a PostgreSQL database (migrated here) with `count` tokens, one `insert … select from unnest(…)` per batch. */
export async function seedPostgres(databaseUrl: string, count: number, keep: number): Promise<Seeded> {
  const started = performance.now();
  await (await openStores({ dataDir: '', databaseUrl })).close();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { secrets } = await makeRows(count, keep, async (rows, columns) => {
      const arrays = columns.map((_, i) => rows.map((row) => row[i]));
      const unnest = columns.map((c, i) => `$${i + 1}::${postgresType(c)}[]`).join(', ');
      await client.query(`insert into tokens (${columns.join(', ')}) select * from unnest(${unnest})`, arrays);
    });
    await client.query('analyze tokens');
    return { secrets, ms: performance.now() - started };
  } finally {
    await client.end();
  }
}
