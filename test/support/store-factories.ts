import { after, before, describe } from 'node:test';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { openStores } from '../../src/store/open-stores.js';
import type { QueryObserver } from '../../src/store/sql/driver/prepared-query.js';
import type { Stores } from '../../src/store/stores.js';
import { postgresTestUrl } from './postgres.js';
import { postgresQuery, sqliteQuery, type RawQuery } from './store-query.js';

export interface OpenedStores {
  stores: Stores;
  /** SQL on the stores' database, for what no store method shows; the memory stores have none. */
  query?: RawQuery;
  cleanup(): Promise<void>;
}

/** What a test may read besides the stores: set before the first test, like the stores. */
export interface StoreDatabase {
  /** Undefined on the memory stores. */
  query?: RawQuery;
}

export interface StoreFactory {
  name: 'memory' | 'sqlite' | 'postgres';
  /** Why this backend cannot run here; the tests skip and print it. */
  skip?: string;
  /** `onQuery` is told of every SQL query (the memory store has none). */
  open(options?: { onQuery?: QueryObserver }): Promise<OpenedStores>;
}

/**
 * Set to a SQLite file (a restored backup, test/e2e/backup-restore.test.ts), the store suites run
 * against copies of it alone: each open gets a fresh copy, with the data it holds.
 */
export const STORE_FROM_FILE = 'TESSERA_TEST_SQLITE_STORE_FROM';

/** memory, SQLite and PostgreSQL: every suite that loops over these holds them to one behaviour. */
export async function storeFactories(): Promise<StoreFactory[]> {
  const from = process.env[STORE_FROM_FILE];
  if (from) return [sqliteFactory(from)];
  const probe = await postgresTestUrl();
  if (!('skip' in probe)) await probe.drop();
  return [
    {
      name: 'memory',
      open: async () => {
        const stores = createMemoryStores();
        return { stores, cleanup: () => stores.close() };
      },
    },
    sqliteFactory(),
    'skip' in probe
      ? { name: 'postgres', skip: probe.skip, open: () => Promise.reject(new Error(probe.skip)) }
      : {
          name: 'postgres',
          // Each open gets a fresh database, dropped on cleanup.
          open: async (options = {}) => {
            const db = await postgresTestUrl();
            if ('skip' in db) throw new Error(db.skip);
            const stores = await openStores({ dataDir: '', databaseUrl: db.url, ...options });
            return {
              stores,
              query: postgresQuery(db.url),
              cleanup: async () => {
                await stores.close();
                await db.drop();
              },
            };
          },
        },
  ];
}

/**
 * One describe block per backend. `body` receives the stores and their database, filled in
 * before the first test runs (objects, so closures see them once they are ready).
 */
export async function describeEachStore(title: string, body: (stores: Stores, database: StoreDatabase) => void): Promise<void> {
  for (const factory of await storeFactories()) {
    describe(`${title}: ${factory.name}`, { skip: factory.skip }, () => {
      const stores = {} as Stores;
      const database: StoreDatabase = {};
      let opened: OpenedStores | undefined;
      before(async () => {
        opened = await factory.open();
        Object.assign(stores, opened.stores);
        if (opened.query) database.query = opened.query;
      });
      body(stores, database);
      // After hooks run in the order they were added: whatever body set up is torn down first.
      after(() => opened?.cleanup());
    });
  }
}

/** SQLite in a new directory; with `copyOf`, on a copy of the database at that file. */
function sqliteFactory(copyOf?: string): StoreFactory {
  return {
    name: 'sqlite',
    open: async (options = {}) => {
      const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
      if (copyOf !== undefined) copyFileSync(copyOf, join(dir, 'tessera.db'));
      const stores = await openStores({ dataDir: dir, ...options });
      return {
        stores,
        query: sqliteQuery(join(dir, 'tessera.db')),
        cleanup: async () => {
          await stores.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
