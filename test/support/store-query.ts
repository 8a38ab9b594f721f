import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { ServerBackend } from './server-backends.js';

/**
 * Reads a server backend's database directly, with its own connection: what the store holds,
 * whatever the server answered. `text` uses `?` for parameters.
 */
export async function queryStore<T>(backend: ServerBackend, text: string, params: unknown[] = []): Promise<T[]> {
  if (backend.name === 'sqlite') {
    const dir = backend.args[backend.args.indexOf('--data-dir') + 1]!;
    const db = new SqliteDatabase(join(dir, 'tessera.db'), { readonly: true });
    try {
      return db.prepare(text).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: backend.env.DATABASE_URL });
  await client.connect();
  try {
    let n = 0;
    return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
  } finally {
    await client.end();
  }
}
