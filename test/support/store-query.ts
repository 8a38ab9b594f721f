import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { ServerBackend } from './server-backends.js';

/** SQL run on a store's database with a connection of its own; `?` for parameters. */
export type RawQuery = <T>(text: string, params?: unknown[]) => Promise<T[]>;

/** Reads a SQLite database file, whatever the store holding it has cached or batched. */
export function sqliteQuery(file: string): RawQuery {
  return async <T>(text: string, params: unknown[] = []) => {
    const db = new SqliteDatabase(file, { readonly: true });
    try {
      return db.prepare(text).all(...params) as T[];
    } finally {
      db.close();
    }
  };
}

export function postgresQuery(url: string): RawQuery {
  return async <T>(text: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      let n = 0;
      return (
        await client.query(
          text.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    } finally {
      await client.end();
    }
  };
}

/**
 * Reads a server backend's database directly, with its own connection: what the store holds,
 * whatever the server answered. `text` uses `?` for parameters.
 */
export async function queryStore<T>(backend: ServerBackend, text: string, params: unknown[] = []): Promise<T[]> {
  if (backend.name === 'sqlite') {
    const dir = backend.args[backend.args.indexOf('--data-dir') + 1]!;
    return sqliteQuery(join(dir, 'tessera.db'))<T>(text, params);
  }
  return postgresQuery(backend.env.DATABASE_URL!)<T>(text, params);
}
