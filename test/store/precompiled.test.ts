import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { precompiled } from '../../src/store/sql/driver/precompiled.js';

interface Db {
  items: { id: string; stock: number; kind: string };
}

describe('precompiled', () => {
  const sqlite = new SqliteDatabase(':memory:');
  sqlite.exec(`create table items (id text primary key, stock integer not null, kind text not null);
    insert into items values ('a', 5, 'x'), ('b', 1, 'x'), ('c', 9, 'y');`);
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
  const take = precompiled(['id', 'count'], ({ id, count }) =>
    db
      .updateTable('items')
      .set({ stock: sql<number>`stock - ${count}` })
      .where('id', '=', id)
      .where('kind', '=', 'x')
      .where('stock', '>=', count)
      .returning('stock'),
  );

  it('runs the one compiled statement with each call’s values in the markers’ places, fixed values kept', async () => {
    assert.deepEqual((await db.executeQuery(take({ id: 'a', count: 2 }))).rows, [{ stock: 3 }]);
    assert.deepEqual((await db.executeQuery(take({ id: 'a', count: 3 }))).rows, [{ stock: 0 }]);
    // The guard still holds, and the fixed `kind = 'x'` is still a condition.
    assert.deepEqual((await db.executeQuery(take({ id: 'b', count: 2 }))).rows, []);
    assert.deepEqual((await db.executeQuery(take({ id: 'c', count: 1 }))).rows, []);
    assert.deepEqual(sqlite.prepare('select id, stock from items order by id').all(), [
      { id: 'a', stock: 0 },
      { id: 'b', stock: 1 },
      { id: 'c', stock: 9 },
    ]);
  });

  it('runs inside a transaction of the same database', async () => {
    await db.transaction().execute(async (tx) => {
      assert.deepEqual((await tx.executeQuery(take({ id: 'b', count: 1 }))).rows, [{ stock: 0 }]);
    });
    assert.deepEqual(sqlite.prepare("select stock from items where id = 'b'").get(), { stock: 0 });
  });

  it('compiles in the dialect of its database', () => {
    const postgres = new Kysely<Db>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
    const query = precompiled(['id', 'count'], ({ id, count }) =>
      postgres.updateTable('items').set({ stock: count }).where('id', '=', id).where('kind', '=', 'x'),
    )({
      id: 'a',
      count: 7,
    });
    assert.equal(query.sql, 'update "items" set "stock" = $1 where "id" = $2 and "kind" = $3');
    assert.deepEqual(query.parameters, [7, 'a', 'x']);
  });

  it('refuses a name the query does not use, so a forgotten value cannot go unnoticed', () => {
    assert.throws(() => precompiled(['id', 'count'], ({ id }) => db.selectFrom('items').selectAll().where('id', '=', id)), /does not use count/);
  });
});
