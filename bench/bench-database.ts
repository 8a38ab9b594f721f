import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server a benchmark may use, or undefined to skip it. */
export function benchServerUrl(): string | undefined {
  return process.env.TESSERA_BENCH_DATABASE_URL ?? process.env.TESSERA_TEST_DATABASE_URL;
}

/** Runs `work` with the URL of a throwaway database on that server, dropped afterwards. */
export async function withBenchDatabase<T>(server: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `tessera_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
