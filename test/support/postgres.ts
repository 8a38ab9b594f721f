import { randomBytes } from 'node:crypto';
import pg from 'pg';

const SERVER_URL = process.env.TESSERA_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export type PostgresTestDatabase = { url: string; drop(): Promise<void> } | { skip: string };

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  let lastError: unknown;
  // The server may be restarting: a few quick attempts before giving up.
  for (let attempt = 0; attempt < 5; attempt++) {
    const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
    } catch (error) {
      lastError = error;
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
      continue;
    }
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }
  throw lastError;
}

/**
 * A throwaway database for one test file on the test server. When the server cannot be
 * reached the PostgreSQL tests skip and say why — unless TESSERA_REQUIRE_POSTGRES=1 (CI),
 * where that is a failure.
 */
export async function postgresTestUrl(): Promise<PostgresTestDatabase> {
  const name = `tessera_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin((c) => c.query(`create database ${name}`));
  } catch (error) {
    const reason = `PostgreSQL not reachable at ${redact(SERVER_URL)}: ${(error as Error).message} (set TESSERA_TEST_DATABASE_URL)`;
    if (process.env.TESSERA_REQUIRE_POSTGRES === '1') throw new Error(`TESSERA_REQUIRE_POSTGRES=1 but ${reason}`, { cause: error });
    return { skip: reason };
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
