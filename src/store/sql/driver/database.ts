import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, type KyselyConfig } from 'kysely';
import pg from 'pg';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';
import { sqlitePreparedRead, type PreparedRead, type QueryObserver } from './prepared-query.js';
import type { Database, SqlDialect } from '../schema.js';
import { withStatementCache } from './statement-cache.js';

export type { QueryObserver };

export interface SqlDatabase {
  db: Kysely<Database>;
  dialect: SqlDialect;
  /** SQLite: the hot reads, prepared once; see prepared-query.ts. (PostgreSQL batches them per turn instead: turn-batch.ts.) */
  preparedRead?: PreparedRead;
  /** Closes the query builder's connections and the prepared reads'. */
  close(): Promise<void>;
}

function queryLog(onQuery: QueryObserver | undefined): KyselyConfig['log'] {
  return onQuery && ((event) => onQuery(event.queryDurationMillis, event.level === 'error'));
}

export function openSqlite(path: string, options: { onQuery?: QueryObserver; cacheMb?: number } = {}): SqlDatabase {
  mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  // WAL with NORMAL loses at most the last transactions on power loss, never consistency; FULL is 20× slower here.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // A bulk import's inserts land all over the digest index: with the pages in memory they cost a third less.
  if (options.cacheMb !== undefined) sqlite.pragma(`cache_size = -${Math.round(options.cacheMb * 1024)}`);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }, sqlite), log: queryLog(options.onQuery) });
  const prepared = sqlitePreparedRead(sqlite, options.onQuery);
  return {
    db,
    dialect: 'sqlite',
    preparedRead: prepared.read,
    close: async () => {
      prepared.close();
      await db.destroy();
    },
  };
}

/** How long one attempt to connect waits for PostgreSQL to answer when not told. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects with retries: the server may be starting or restarting. Each attempt gives up after
 * `connectTimeoutMs`: a host that never answers (a firewall dropping the packets) would otherwise
 * hold every attempt for as long as the operating system keeps trying, minutes.
 */
export async function openPostgres(
  url: string,
  options: { poolSize?: number; attempts?: number; connectTimeoutMs?: number; onQuery?: QueryObserver } = {},
): Promise<SqlDatabase> {
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    // A client of its own, not the pool's: the pool's connect timeout would also bound how long
    // a query waits for a free connection once serving, which is not what it is for.
    const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS });
    try {
      await probe.connect();
      await probe.end();
      break;
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(500);
    }
  }
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8 });
  // An idle connection the server closes (restart, failover, a dropped database) is emitted
  // here; unhandled, that event would end the process. The pool has already discarded the
  // connection and the next query opens a new one, so there is nothing more to do.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(options.onQuery) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}
