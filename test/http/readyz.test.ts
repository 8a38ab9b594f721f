import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import type { ChangeSignal } from '../../src/service/change-feed.js';
import { createServices } from '../../src/service/services.js';
import { createMemoryStores } from '../../src/store/memory/memory-stores.js';
import { openDatabase } from '../../src/store/open-stores.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { createSqlStores } from '../../src/store/sql/sql-stores.js';
import type { Stores } from '../../src/store/stores.js';
import { withHarness, type Harness } from '../support/app-harness.js';

/** A notification channel that never gets through. */
const silentSignal: ChangeSignal = {
  name: 'silent',
  publish: async () => {},
  listen: async () => {},
  close: async () => {},
};

describe('GET /readyz', () => {
  const readyz = async (h: Harness) => {
    const res = await h.request({ method: 'GET', url: '/readyz' });
    return { code: res.statusCode, status: res.json().status as string };
  };

  it('is ready when the store answers, is migrated and change notifications arrive', () =>
    withHarness(async (h) => assert.deepEqual(await readyz(h), { code: 200, status: 'ready' })));

  it('is 503 while change notifications are not listening', () =>
    withHarness(
      async (h) => {
        await h.background.changes.start();
        try {
          assert.deepEqual(await readyz(h), { code: 503, status: 'change notifications unavailable' });
        } finally {
          await h.background.changes.close();
        }
      },
      undefined,
      { changeSignal: silentSignal },
    ));

  it('is 503 when the store does not answer, naming every missing part', async () => {
    const stores: Stores = { ...createMemoryStores(), ping: () => Promise.reject(new Error('connection refused')) };
    await withHarness(async (h) => assert.deepEqual(await readyz(h), { code: 503, status: 'store unavailable' }), stores);
    await withHarness(async (h) => assert.deepEqual(await readyz(h), { code: 503, status: 'store unavailable; change notifications unavailable' }), stores, {
      changeSignal: silentSignal,
    });
  });

  it('is 503 until the database has every migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-readyz-'));
    const database = await openDatabase({ dataDir: dir });
    try {
      const { services } = createServices(createSqlStores(database));
      const app = await buildApp(services);
      const status = async () => {
        const res = await app.inject({ method: 'GET', url: '/readyz' });
        return { code: res.statusCode, status: res.json().status as string };
      };
      assert.deepEqual(await status(), { code: 503, status: 'migrations pending' });
      await migrateToLatest(database.db, database.dialect);
      assert.deepEqual(await status(), { code: 200, status: 'ready' });
      await app.close();
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
