import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { MAX_CREDITS } from '../../src/core/credits.js';
import { AppError } from '../../src/core/errors.js';
import type { CreditHolder, Reservation } from '../../src/store/credit-store.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { describeEachStore } from '../support/store-factories.js';

const C = 1_000_000_000n;

function reservation(id: string, tokenId: string, amount: bigint, overrides: Partial<Reservation> = {}): Reservation {
  return { id, tokenId, poolId: null, amount, committed: null, state: 'open', expiresAt: T0 + 60_000, createdAt: T0, settledAt: null, ...overrides };
}

await describeEachStore('CreditStore contract', (stores) => {
  before(() => createOwners(stores, ['usr_owner']));

  const tokenWith = async (credits: bigint | null, creditsActive = true, extra: Parameters<typeof makeToken>[1] = {}) => {
    const { token } = makeToken({}, { credits, creditsActive, ...extra });
    await stores.tokens.insert(token);
    return { kind: 'token', id: token.id } as const satisfies CreditHolder;
  };

  it('charges while the balance covers the cost, refuses past it, and never goes below 0', async () => {
    const holder = await tokenWith(3n * C);
    assert.deepEqual(await stores.credits.charge(holder, 2n * C), { charged: true, remaining: C });
    assert.deepEqual(await stores.credits.charge(holder, 2n * C), { charged: false, remaining: C });
    assert.deepEqual(await stores.credits.charge(holder, C), { charged: true, remaining: 0n });
    // At 0 the token is spent: even a free call is refused.
    assert.deepEqual(await stores.credits.charge(holder, 0n), { charged: false, remaining: 0n });
    assert.equal((await stores.tokens.findById(holder.id))?.credits, 0n);
  });

  it('charges nothing for a token without active credits or without a balance, and knows no unknown token', async () => {
    assert.equal(await stores.credits.charge(await tokenWith(5n * C, false), C), undefined);
    assert.equal(await stores.credits.charge(await tokenWith(null, true), C), undefined);
    assert.equal(await stores.credits.charge({ kind: 'token', id: 'tok_missing' }, C), undefined);
  });

  it('keeps amounts exact to 10⁻⁹ and past 2⁵³', async () => {
    const big = 9_007_199_254_740_993n;
    const holder = await tokenWith(big);
    assert.deepEqual(await stores.credits.charge(holder, 1n), { charged: true, remaining: big - 1n });
    assert.equal(await stores.credits.adjustToken(holder.id, 'add', 3n, T0), big + 2n);
    assert.equal(await stores.credits.balance(holder), big + 2n);
  });

  it('lets exactly the affordable share of 200 concurrent charges through', async () => {
    const holder = await tokenWith(50n * C);
    const results = await Promise.all(Array.from({ length: 200 }, () => stores.credits.charge(holder, C)));
    assert.equal(results.filter((r) => r?.charged).length, 50);
    assert.equal(await stores.credits.balance(holder), 0n);
    // Every refused charge saw a balance that could not pay.
    assert.ok(results.filter((r) => !r?.charged).every((r) => r!.remaining < C));
  });

  it('refills once per period, even when concurrent charges all see it due', async () => {
    const holder = await tokenWith(0n, true, { refill: { amount: 10n * C, interval: 'daily', dayOfMonth: null } });
    const refill = { periodStart: T0 + 1, amount: 10n * C };
    const results = await Promise.all(Array.from({ length: 30 }, () => stores.credits.charge(holder, C, refill)));
    assert.equal(results.filter((r) => r?.charged).length, 10);
    assert.equal(await stores.credits.balance(holder), 0n);
    assert.equal((await stores.tokens.findById(holder.id))?.lastRefillAt, T0 + 1);
    // The same period again: already refilled, so nothing more.
    assert.deepEqual(await stores.credits.charge(holder, C, refill), { charged: false, remaining: 0n });
  });

  it('never refills a rotated token in its grace period: its successor holds the balance and refills alone', async () => {
    const daily = { refill: { amount: 10n * C, interval: 'daily', dayOfMonth: null } } as const;
    const holder = await tokenWith(3n * C, true, daily);
    const old = (await stores.tokens.findById(holder.id))!;
    const { token: successor } = makeToken({}, { rotatedFromId: old.id, credits: 0n, creditsActive: true, ...daily });
    assert.equal(await stores.tokens.rotate(old, T0 + 2 * 86_400_000, T0 + 1, successor), 'rotated');
    // The next day both secrets verify; only the successor's balance is refilled.
    const nextDay = { periodStart: T0 + 86_400_000, amount: 10n * C };
    assert.deepEqual(await stores.credits.charge(holder, C, nextDay), { charged: false, remaining: 0n });
    assert.deepEqual(await stores.credits.charge({ kind: 'token', id: successor.id }, C, nextDay), { charged: true, remaining: 9n * C });
  });

  it('adds and sets balances, gives a token without one a balance, and refuses to pass 10⁹ credits', async () => {
    const holder = await tokenWith(null, false);
    assert.equal(await stores.credits.adjustToken(holder.id, 'add', 5n * C, T0), 5n * C);
    assert.equal(await stores.credits.adjustToken(holder.id, 'add', -7n * C, T0), -2n * C);
    assert.equal(await stores.credits.adjustToken(holder.id, 'set', C / 2n, T0), C / 2n);
    await assert.rejects(stores.credits.adjustToken(holder.id, 'add', 10n ** 9n * C, T0), (e) => e instanceof AppError && e.code === 'CONFLICT');
    assert.equal(await stores.credits.balance(holder), C / 2n);
    assert.equal(await stores.credits.adjustToken('tok_missing', 'add', C, T0), undefined);
  });

  it("shares an owner's pool between charges, and sets it again on put", async () => {
    const pool: CreditHolder = { kind: 'pool', id: 'team_pool' };
    assert.equal(await stores.credits.charge(pool, C), undefined);
    const created = await stores.credits.changePool('team_pool', 'set', 4n * C, T0);
    assert.deepEqual(created, { ownerId: 'team_pool', credits: 4n * C, createdAt: T0, updatedAt: T0 });
    const results = await Promise.all(Array.from({ length: 10 }, () => stores.credits.charge(pool, C)));
    assert.equal(results.filter((r) => r?.charged).length, 4);
    assert.deepEqual(await stores.credits.changePool('team_pool', 'set', 2n * C, T0 + 5), {
      ownerId: 'team_pool',
      credits: 2n * C,
      createdAt: T0,
      updatedAt: T0 + 5,
    });
    assert.equal((await stores.credits.changePool('team_pool', 'add', C, T0 + 6)).credits, 3n * C);
    assert.equal((await stores.credits.findPool('team_pool'))?.credits, 3n * C);
  });

  it('creates a pool on the first of concurrent adds and counts every one of them', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => stores.credits.changePool('usr_adds', 'add', C, T0)));
    assert.equal(results.length, 20);
    assert.equal((await stores.credits.findPool('usr_adds'))?.credits, 20n * C);
    await assert.rejects(stores.credits.changePool('usr_adds', 'add', 10n ** 9n * C, T0), (e) => e instanceof AppError && e.code === 'CONFLICT');
    assert.equal((await stores.credits.findPool('usr_adds'))?.credits, 20n * C);
  });

  it('reserves only what the balance covers, and records nothing when it cannot', async () => {
    const holder = await tokenWith(10n * C);
    assert.deepEqual(await stores.credits.reserve(reservation('res_a', holder.id, 8n * C), holder), { charged: true, remaining: 2n * C });
    assert.deepEqual(await stores.credits.reserve(reservation('res_b', holder.id, 3n * C), holder), { charged: false, remaining: 2n * C });
    assert.equal(await stores.credits.findReservation('res_b'), undefined);
    assert.deepEqual(await stores.credits.findReservation('res_a'), reservation('res_a', holder.id, 8n * C));
  });

  it('settles a reservation once: commit refunds the rest, and a second settlement changes nothing', async () => {
    const holder = await tokenWith(10n * C);
    await stores.credits.reserve(reservation('res_c', holder.id, 6n * C), holder);
    assert.equal(await stores.credits.settle('res_c', { outcome: 'commit', amount: 7n * C }, T0 + 1), undefined, 'more than reserved');
    const settled = await Promise.all([
      stores.credits.settle('res_c', { outcome: 'commit', amount: 2n * C }, T0 + 1),
      stores.credits.settle('res_c', { outcome: 'release' }, T0 + 1),
      stores.credits.settle('res_c', { outcome: 'commit', amount: 0n }, T0 + 1),
    ]);
    const winners = settled.filter((r) => r !== undefined);
    assert.equal(winners.length, 1);
    const kept = winners[0]!.committed!;
    assert.equal(await stores.credits.balance(holder), 10n * C - kept);
    assert.equal((await stores.credits.findReservation('res_c'))?.state, winners[0]!.state);
  });

  it('fills a balance to 10⁹ when a refund would pass it, however often the balance is set back to 10⁹ meanwhile', async () => {
    const holder = await tokenWith(0n);
    const pool: CreditHolder = { kind: 'pool', id: 'usr_full' };
    for (let i = 0; i < 10; i++) {
      await stores.credits.adjustToken(holder.id, 'set', MAX_CREDITS, T0);
      await stores.credits.changePool(pool.id, 'set', MAX_CREDITS, T0);
      await stores.credits.reserve(reservation(`res_full_token_${i}`, holder.id, MAX_CREDITS), holder);
      await stores.credits.reserve(reservation(`res_full_pool_${i}`, holder.id, MAX_CREDITS, { poolId: pool.id }), pool);
      await stores.credits.adjustToken(holder.id, 'set', MAX_CREDITS, T0);
      await stores.credits.changePool(pool.id, 'set', MAX_CREDITS, T0);
      assert.equal((await stores.credits.settle(`res_full_token_${i}`, { outcome: 'release' }, T0 + 1))?.state, 'released');
      assert.equal((await stores.credits.settle(`res_full_pool_${i}`, { outcome: 'commit', amount: 1n }, T0 + 1))?.state, 'committed');
      assert.equal(await stores.credits.balance(holder), MAX_CREDITS);
      assert.equal((await stores.credits.findPool(pool.id))?.credits, MAX_CREDITS);
    }
    assert.equal((await stores.tokens.findById(holder.id))?.credits, MAX_CREDITS);
    // A refund below the ceiling still adds in full.
    await stores.credits.adjustToken(holder.id, 'set', MAX_CREDITS - 3n * C, T0);
    await stores.credits.reserve(reservation('res_below', holder.id, 2n * C, { expiresAt: T0 + 10 }), holder);
    assert.equal((await stores.credits.settle('res_below', { outcome: 'expire' }, T0 + 10))?.state, 'expired');
    assert.equal(await stores.credits.balance(holder), MAX_CREDITS - 3n * C);
  });

  it('expires only reservations whose time ran out, refunding them in full', async () => {
    const holder = await tokenWith(10n * C);
    await stores.credits.reserve(reservation('res_old', holder.id, 4n * C, { expiresAt: T0 + 10 }), holder);
    await stores.credits.reserve(reservation('res_new', holder.id, 5n * C, { expiresAt: T0 + 1000 }), holder);
    assert.deepEqual(await stores.credits.expiredReservations(T0 + 10, 10), ['res_old']);
    assert.equal(await stores.credits.settle('res_new', { outcome: 'expire' }, T0 + 10), undefined, 'not yet due');
    assert.equal(await stores.credits.settle('res_old', { outcome: 'commit', amount: C }, T0 + 10), undefined, 'too late to commit');
    assert.equal((await stores.credits.settle('res_old', { outcome: 'expire' }, T0 + 10))?.state, 'expired');
    assert.equal(await stores.credits.balance(holder), 5n * C);
    assert.deepEqual(await stores.credits.expiredReservations(T0 + 10, 10), []);
  });
});
