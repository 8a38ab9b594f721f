import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type KyselyConfig } from 'kysely';
import pg from 'pg';
import type { Database, SqlDialect } from './schema.js';

export interface SqlDatabase {
  db: Kysely<Database>;
  dialect: SqlDialect;
}

/** Told of every query: how long it took in ms, and whether it failed. */
export type QueryObserver = (ms: number, failed: boolean) => void;

function queryLog(onQuery: QueryObserver | undefined): KyselyConfig['log'] {
  return onQuery && ((event) => onQuery(event.queryDurationMillis, event.level === 'error'));
}

export function openSqlite(path: string, options: { onQuery?: QueryObserver } = {}): SqlDatabase {
  mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  // WAL with NORMAL loses at most the last transactions on power loss, never consistency; FULL is 20× slower here.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log: queryLog(options.onQuery) }), dialect: 'sqlite' };
}

/** Connects with retries: the server may be starting or restarting. */
export async function openPostgres(
  url: string,
  options: { poolSize?: number; attempts?: number; onQuery?: QueryObserver } = {},
): Promise<SqlDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8 });
  // An idle connection the server closes (restart, failover, a dropped database) is emitted
  // here; unhandled, that event would end the process. The pool has already discarded the
  // connection and the next query opens a new one, so there is nothing more to do.
  pool.on('error', () => {});
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      const client = await pool.connect();
      client.release();
      break;
    } catch (error) {
      if (attempt >= attempts) {
        await pool.end();
        throw error;
      }
      await sleep(500);
    }
  }
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(options.onQuery) }), dialect: 'postgres' };
}
