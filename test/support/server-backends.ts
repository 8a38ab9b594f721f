import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresTestUrl } from './postgres.js';

/** Where a `tessera serve` process under test keeps its data: the flags and environment to start it with. */
export interface ServerBackend {
  name: 'sqlite' | 'postgres';
  args: string[];
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A fresh data directory for every server, on PostgreSQL too: the server keeps its secret key
 * there (data/secret.key), and without --data-dir that is ./data in whatever directory runs the tests.
 */
function tempDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-server-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function sqliteBackend(): Promise<ServerBackend> {
  const data = tempDataDir();
  return { name: 'sqlite', args: ['--data-dir', data.dir], env: {}, cleanup: async () => data.remove() };
}

/** A throwaway PostgreSQL database, or why there is none (the tests then skip and print it). */
export async function postgresBackend(): Promise<ServerBackend | string> {
  const db = await postgresTestUrl();
  if ('skip' in db) return db.skip;
  const data = tempDataDir();
  return {
    name: 'postgres',
    args: ['--data-dir', data.dir],
    env: { DATABASE_URL: db.url },
    cleanup: async () => {
      data.remove();
      await db.drop();
    },
  };
}

/** A backend a server test runs on: its name, why it skips (PostgreSQL unreachable), and a fresh one each call of `make`. */
export interface BackendToRun {
  name: ServerBackend['name'];
  skip: string | undefined;
  make(): Promise<ServerBackend>;
}

/** SQLite and PostgreSQL, PostgreSQL probed once (a database made and dropped) to know whether it skips. */
export async function backendsToRun(): Promise<BackendToRun[]> {
  const probe = await postgresBackend();
  if (typeof probe !== 'string') await probe.cleanup();
  const postgres = async () => {
    const backend = await postgresBackend();
    if (typeof backend === 'string') throw new Error(backend);
    return backend;
  };
  return [
    { name: 'sqlite', skip: undefined, make: sqliteBackend },
    { name: 'postgres', skip: typeof probe === 'string' ? probe : undefined, make: postgres },
  ];
}
