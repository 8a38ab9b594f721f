import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { CreditHolder, Reservation } from '../../src/store/credit-store.js';
import { openStores } from '../../src/store/open-stores.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { postgresTestUrl } from '../support/postgres.js';
import { describeEachStore } from '../support/store-factories.js';

type Step =
  | { kind: 'reserve'; amount: bigint; ttl: number }
  | { kind: 'commit'; pick: number; fraction: number }
  | { kind: 'release'; pick: number }
  | { kind: 'charge'; cost: bigint }
  | { kind: 'wait'; ms: number }
  | { kind: 'sweep' };

// Amounts from one 10⁻⁹ unit up to a few credits, so sums of tiny and large amounts are exercised.
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 10n }), fc.bigInt({ min: 1n, max: 3_000_000_000n }));
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('reserve' as const), amount, ttl: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ kind: fc.constant('commit' as const), pick: fc.nat(), fraction: fc.double({ min: 0, max: 1.2, noNaN: true }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('charge' as const), cost: amount }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 40 }) }),
  fc.constant({ kind: 'sweep' as const }),
);

const RUNS = { memory: 150, sqlite: 40, postgres: 12 } as const;

await describeEachStore('Credit interleavings (fast-check)', (stores) => {
  before(() => createOwners(stores, ['usr_owner']));

  it('no sequence of reserve, commit, release, expire and charge overspends or loses a unit', async (t) => {
    const backend = t.fullName.includes('postgres') ? 'postgres' : t.fullName.includes('sqlite') ? 'sqlite' : 'memory';
    let made = 0;
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: 5_000_000_000n }), fc.array(step, { maxLength: 25 }), async (initial, steps) => {
        const { token } = makeToken({}, { credits: initial, creditsActive: true });
        await stores.tokens.insert(token);
        const holder: CreditHolder = { kind: 'token', id: token.id };
        let now = T0;
        let spent = 0n; // charged, plus what commits kept
        const reservations: Reservation[] = [];
        const held = () => reservations.filter((r) => r.state === 'open').reduce((sum, r) => sum + r.amount, 0n);

        for (const s of steps) {
          if (s.kind === 'reserve') {
            const r: Reservation = {
              id: `res_${++made}`,
              tokenId: token.id,
              poolId: null,
              amount: s.amount,
              committed: null,
              state: 'open',
              expiresAt: now + s.ttl,
              createdAt: now,
              settledAt: null,
            };
            if ((await stores.credits.reserve(r, holder))?.charged) reservations.push(r);
          } else if (s.kind === 'commit' || s.kind === 'release') {
            const r = reservations[s.pick % Math.max(reservations.length, 1)];
            if (!r) continue;
            const kept = s.kind === 'commit' ? (r.amount * BigInt(Math.round(s.fraction * 1000))) / 1000n : 0n;
            const settled = await stores.credits.settle(r.id, s.kind === 'commit' ? { outcome: 'commit', amount: kept } : { outcome: 'release' }, now);
            if (settled) {
              assert.equal(r.state, 'open', 'only an open reservation settles');
              assert.ok(kept <= r.amount && r.expiresAt > now, 'settled within its amount and time');
              r.state = settled.state;
              spent += kept;
            }
          } else if (s.kind === 'charge') {
            if ((await stores.credits.charge(holder, s.cost))?.charged) spent += s.cost;
          } else if (s.kind === 'wait') {
            now += s.ms;
          } else {
            // The sweep also refunds what earlier runs left open, on their own tokens, as the real one would.
            for (const id of await stores.credits.expiredReservations(now, 1000)) {
              const expired = await stores.credits.settle(id, { outcome: 'expire' }, now);
              const r = reservations.find((x) => x.id === id);
              if (expired && r) r.state = 'expired';
            }
          }
          const balance: bigint = (await stores.credits.balance(holder))!;
          assert.ok(balance >= 0n, `balance went negative: ${balance}`);
          assert.equal(balance + held() + spent, initial, 'every unit is in the balance, held, or spent');
        }
      }),
      { numRuns: RUNS[backend] },
    );
  });
});

/**
 * Rotating a token moves its open reservations; settling a reservation refunds its token. Each
 * locks both rows, and two nodes doing them at once must take them in one order, or PostgreSQL
 * breaks the deadlock by failing one of them (40P01, a 500 for its caller).
 */
describe('a rotation and a settlement of its reservation, on two PostgreSQL nodes at once', () => {
  it('both succeed, whichever locks first, and the balance ends whole on the successor', async (t) => {
    const database = await postgresTestUrl();
    if ('skip' in database) return t.skip(database.skip);
    const [a, b] = [await openStores({ dataDir: '', databaseUrl: database.url }), await openStores({ dataDir: '', databaseUrl: database.url })];
    try {
      const C = 1_000_000_000n;
      await createOwners(a, [makeToken().token.ownerUserId]);
      for (let i = 0; i < 40; i++) {
        const { token: old } = makeToken({}, { credits: 10n * C, creditsActive: true });
        await a.tokens.insert(old);
        const reservation: Reservation = {
          id: `res_race_${i}_${old.id}`,
          tokenId: old.id,
          poolId: null,
          amount: 4n * C,
          committed: null,
          state: 'open',
          expiresAt: T0 + 60_000,
          createdAt: T0,
          settledAt: null,
        };
        assert.equal((await a.credits.reserve(reservation, { kind: 'token', id: old.id }))?.charged, true);
        const { token: successor } = makeToken({}, { rotatedFromId: old.id, credits: 0n, creditsActive: true });
        const [rotated, settled] = await Promise.all([
          a.tokens.rotate(old, T0 + 60_000, T0 + 1, successor),
          b.credits.settle(reservation.id, { outcome: 'release' }, T0 + 1),
        ]);
        assert.equal(rotated, 'rotated');
        assert.equal(settled?.state, 'released');
        // Released before the rotation, the refund moved with the balance; after it, it went to the successor.
        assert.equal(await a.credits.balance({ kind: 'token', id: successor.id }), 10n * C);
        assert.equal(await a.credits.balance({ kind: 'token', id: old.id }), 0n);
      }
    } finally {
      await a.close();
      await b.close();
      await database.drop();
    }
  });
});
