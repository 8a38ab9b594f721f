import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { digestKeyOf } from '../../src/core/digest.js';
import { createServices } from '../../src/service/services.js';
import type { SqlDatabase } from '../../src/store/sql/driver/database.js';
import { migrateToLatest } from '../../src/store/sql/migrate.js';
import { createSqlStores } from '../../src/store/sql/sql-stores.js';
import { rowBeforeSuspension } from '../support/old-token-row.js';
import { ManualClock } from '../support/app-harness.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { migrateTo, migrationBackends } from '../support/migration-backends.js';

const C = 1_000_000_000n;
const newReservationId = () => `res_${randomBytes(20).toString('base64url')}`;

/**
 * A store at the migration before `2026-12-05T0300-reservation-digests`, ids in clear: a token
 * with one open and one committed reservation, and more released ones than the migration
 * changes in one statement.
 */
async function storeBeforeReservationDigests(database: SqlDatabase) {
  await migrateTo(database, '2026-11-30T2300-token-uses');
  const { token } = makeToken({}, { credits: 6n * C, creditsActive: true });
  await database.db.insertInto('tokens').values(rowBeforeSuspension(token)).execute();
  const open = newReservationId();
  const committed = newReservationId();
  const row = { token_id: token.id, pool_id: null, amount: 4n * C, expires_at: T0 + 60_000, created_at: T0 };
  await database.db
    .insertInto('credit_reservations')
    .values([
      { ...row, id: open, committed: null, state: 'open', settled_at: null },
      { ...row, id: committed, committed: C, state: 'committed', settled_at: T0 },
    ])
    .execute();
  const released = Array.from({ length: 600 }, newReservationId);
  await database.db
    .insertInto('credit_reservations')
    .values(released.map((id) => ({ ...row, id, committed: 0n, state: 'released', settled_at: T0 })))
    .execute();
  // What an idempotent commit kept, the id in its scope and its answer; and a verification's, which stays.
  const kept = { key: 'k1', request_hash: 'h', status: 200, created_at: T0, expires_at: T0 + 86_400_000 };
  await database.db
    .insertInto('idempotency_keys')
    .values([
      { ...kept, scope: `reservation:${committed} POST /v1/credits/:reservationId/commit`, body: JSON.stringify({ id: committed, state: 'committed' }) },
      { ...kept, scope: 'token:abc POST /v1/verify', body: '{"valid":true}' },
    ])
    .execute();
  return { token, open, committed, released };
}

for (const backend of migrationBackends) {
  describe(`storing reservation ids as digests: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (!('skip' in opened)) await opened.cleanup();
    });

    it('keeps the ids stored before it working (an open reservation is committed by its id after it) and drops records that show them', async (t) => {
      if ('skip' in opened) return t.skip(opened.skip);
      const { database } = opened;
      const { token, open, committed, released } = await storeBeforeReservationDigests(database);
      assert.ok((await migrateToLatest(database.db, database.dialect)).includes('2026-12-05T0300-reservation-digests'));

      const rows = await database.db.selectFrom('credit_reservations').select('id').execute();
      const sort = (ids: string[]) => [...ids].sort();
      assert.deepEqual(sort(rows.map((r) => r.id)), sort([open, committed, ...released].map(digestKeyOf)), 'each id replaced by its digest, once');

      const kept = await database.db.selectFrom('idempotency_keys').select('scope').execute();
      assert.deepEqual(
        kept.map((r) => r.scope),
        ['token:abc POST /v1/verify'],
        'no record names a reservation by its id',
      );

      const stores = createSqlStores(database);
      const { services } = createServices(stores, { runtime: new ManualClock(T0 + 1000) });
      assert.equal((await services.credits.reservation(committed)).state, 'committed');
      const settled = await services.credits.commit(open, C);
      assert.deepEqual([settled.id, settled.state, settled.committed], [open, 'committed', C]);
      assert.equal((await stores.tokens.findById(token.id))?.credits, 9n * C);
      await assert.rejects(services.credits.release(open), (e: Error & { code?: string }) => e.code === 'CONFLICT');
    });
  });
}
