import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { GroupCommit } from '../../src/store/sql/driver/group-commit.js';

interface Db {
  accounts: { id: string; balance: number };
}

function open() {
  const sqlite = new SqliteDatabase(':memory:');
  sqlite.exec(`create table accounts (id text primary key, balance integer not null check (balance >= 0));
    insert into accounts values ('a', 5), ('b', 0);`);
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
  const balances = () =>
    Object.fromEntries((sqlite.prepare('select id, balance from accounts order by id').all() as Db['accounts'][]).map((r) => [r.id, r.balance]));
  return { sqlite, db, group: new GroupCommit(db), balances };
}

/** A guarded spend, as a charge is: the balance must cover it. What it saw of the transaction comes back with the result. */
const spend = (sqlite: SqliteDatabase.Database, id: string, amount: number) => async (db: Kysely<Db>) => {
  const row = await db
    .updateTable('accounts')
    .set({ balance: sql<number>`balance - ${amount}` })
    .where('id', '=', id)
    .where('balance', '>=', amount)
    .returning('balance')
    .executeTakeFirst();
  return { left: row?.balance, grouped: sqlite.inTransaction };
};

describe('GroupCommit', () => {
  it('runs the writes of one event-loop turn in one transaction, in order, each deciding as it would alone', async () => {
    const { sqlite, group, balances } = open();
    const results = await Promise.all([2, 2, 2, 1].map((amount) => group.run(spend(sqlite, 'a', amount))));
    assert.deepEqual(results, [
      { left: 3, grouped: true },
      { left: 1, grouped: true },
      { left: undefined, grouped: true }, // 1 left does not cover 2: refused, as alone
      { left: 0, grouped: true },
    ]);
    assert.equal(sqlite.inTransaction, false);
    assert.deepEqual(balances(), { a: 0, b: 0 });
  });

  it('runs a write alone in its turn without a transaction, and the next turn’s writes as a group of their own', async () => {
    const { sqlite, group, balances } = open();
    assert.deepEqual(await group.run(spend(sqlite, 'a', 1)), { left: 4, grouped: false });
    const second = await Promise.all([group.run(spend(sqlite, 'a', 1)), group.run(spend(sqlite, 'a', 1))]);
    assert.deepEqual(second, [
      { left: 3, grouped: true },
      { left: 2, grouped: true },
    ]);
    assert.deepEqual(balances(), { a: 2, b: 0 });
  });

  it('when one write of a group fails, only that one fails: the others are done once each, alone', async () => {
    const { sqlite, db, group, balances } = open();
    const breaks = group.run((tx) => tx.updateTable('accounts').set({ balance: -1 }).where('id', '=', 'b').execute());
    const ok = [group.run(spend(sqlite, 'a', 2)), breaks, group.run(spend(sqlite, 'a', 1))];
    const [first, failed, third] = await Promise.allSettled(ok);
    assert.deepEqual(first, { status: 'fulfilled', value: { left: 3, grouped: false } });
    assert.equal(failed?.status, 'rejected');
    assert.match(String((failed as PromiseRejectedResult).reason), /CHECK constraint failed/);
    assert.deepEqual(third, { status: 'fulfilled', value: { left: 2, grouped: false } });
    // Spent once each (5 - 2 - 1), and the failed write changed nothing.
    assert.deepEqual(balances(), { a: 2, b: 0 });
    await db.destroy();
  });
});
