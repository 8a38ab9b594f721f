import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ChargeResult, CreditHolder } from '../../src/store/credit-store.js';
import type { Stores } from '../../src/store/stores.js';
import { makeToken, T0 } from '../support/fixtures.js';
import { createOwners } from '../support/owners.js';
import { storeFactories, type OpenedStores } from '../support/store-factories.js';

const C = 1_000_000_000n;

/** Charges one after the other, as the guarded statement decides each alone. */
function sequentially(balances: Map<string, bigint>, charges: ReadonlyArray<{ holder: CreditHolder; cost: bigint }>): ChargeResult[] {
  return charges.map(({ holder, cost }) => {
    const balance = balances.get(holder.id)!;
    if (balance > 0n && balance >= cost) {
      balances.set(holder.id, balance - cost);
      return { charged: true, remaining: balance - cost };
    }
    return { charged: false, remaining: balance };
  });
}

// SQLite and PostgreSQL: the memory store charges one by one.
const backends = (await storeFactories()).filter((factory) => factory.name !== 'memory');

for (const backend of backends)
  describe(`the charges of one turn, taken together per holder: ${backend.name}`, { skip: backend.skip }, () => {
    let opened: OpenedStores;
    let stores: Stores;
    let queries = 0;
    before(async () => {
      opened = await backend.open({ onQuery: () => queries++ });
      stores = opened.stores;
      await createOwners(stores, ['usr_owner']);
    });
    after(() => opened.cleanup());

    const tokenWith = async (credits: bigint, extra: Parameters<typeof makeToken>[1] = {}) => {
      const { token } = makeToken({}, { credits, creditsActive: true, ...extra });
      await stores.tokens.insert(token);
      return { kind: 'token', id: token.id } as const satisfies CreditHolder;
    };

    it('answers charges asked for at once on two holders as one after the other in the order asked', async () => {
      let owner = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.bigInt({ min: 0n, max: 8n }),
          fc.bigInt({ min: 0n, max: 8n }),
          fc.array(fc.record({ pool: fc.boolean(), cost: fc.bigInt({ min: 0n, max: 3n }) }), { maxLength: 30 }),
          async (tokenCredits, poolCredits, asked) => {
            const token = await tokenWith(tokenCredits * C);
            const pool = { kind: 'pool', id: `usr_pool_${owner++}` } as const satisfies CreditHolder;
            await stores.credits.changePool(pool.id, 'set', poolCredits * C, T0);
            const charges = asked.map(({ pool: toPool, cost }) => ({ holder: toPool ? pool : token, cost: cost * C }));
            const results = await Promise.all(charges.map(({ holder, cost }) => stores.credits.charge(holder, cost)));
            const balances = new Map([
              [token.id, tokenCredits * C],
              [pool.id, poolCredits * C],
            ]);
            assert.deepEqual(results, sequentially(balances, charges));
            assert.equal(await stores.credits.balance(token), balances.get(token.id));
            assert.equal(await stores.credits.balance(pool), balances.get(pool.id));
          },
        ),
        { numRuns: 200 },
      );
    });

    it('takes the charges of one holder that the balance covers in one statement', async () => {
      const holder = await tokenWith(100n * C);
      queries = 0;
      const results = await Promise.all([1n, 2n, 0n, 3n, 4n].map((cost) => stores.credits.charge(holder, cost * C)));
      assert.equal(queries, 1);
      assert.deepEqual(
        results.map((r) => r?.remaining),
        [99n * C, 97n * C, 97n * C, 94n * C, 90n * C],
      );
      // Past what the balance covers: each in turn, as alone.
      queries = 0;
      const over = await Promise.all([50n, 50n, 40n].map((cost) => stores.credits.charge(holder, cost * C)));
      assert.deepEqual(over, [
        { charged: true, remaining: 40n * C },
        { charged: false, remaining: 40n * C },
        { charged: true, remaining: 0n },
      ]);
      assert.ok(queries > 1);
      // A balance spent to 0 by the charges before refuses a free one after them, as alone.
      const spent = await tokenWith(2n * C);
      assert.deepEqual(await Promise.all([2n * C, 0n].map((cost) => stores.credits.charge(spent, cost))), [
        { charged: true, remaining: 0n },
        { charged: false, remaining: 0n },
      ]);
    });

    // Only SQLite runs the writes of a turn one after the other; PostgreSQL runs them side by side on its pool.
    if (backend.name === 'sqlite')
      it('keeps the charges asked after a refill behind it, in the same turn', async () => {
        const holder = await tokenWith(C, { refill: { amount: 10n * C, interval: 'daily', dayOfMonth: null } });
        const refill = { periodStart: T0 + 1, amount: 10n * C };
        const results = await Promise.all([stores.credits.charge(holder, C), stores.credits.charge(holder, C, refill), stores.credits.charge(holder, 2n * C)]);
        assert.deepEqual(results, [
          { charged: true, remaining: 0n },
          { charged: true, remaining: 9n * C },
          { charged: true, remaining: 7n * C },
        ]);
      });
  });
