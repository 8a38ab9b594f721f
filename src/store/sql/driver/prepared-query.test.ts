import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { rowBuilder, sqlitePreparedRead } from './prepared-query.js';

describe('prepared reads', () => {
  it('build each row as an object of the statement column names, whatever characters they hold', () => {
    const columns = ['id', 'use count', "it's", 'a"b', '\\', 'constructor'];
    const rowOf = rowBuilder(columns);
    const row = rowOf([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      Object.entries(row),
      columns.map((column, i) => [column, i + 1]),
    );
    assert.notEqual(rowOf([1, 2, 3, 4, 5, 6]), row, 'a new object per row');
  });

  it('read rows by name from SQLite, in order, with undefined where there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-prepared-'));
    const main = new SqliteDatabase(join(dir, 'store.db'));
    const prepared = sqlitePreparedRead(main);
    try {
      main.pragma('journal_mode = WAL');
      main.exec(`create table t (k text primary key, n integer, "odd name" text); insert into t values ('a', 1, 'x'), ('b', 2, null)`);
      const text = 'select k, n, "odd name" from t where k = ?';
      assert.deepEqual(await prepared.read('t_by_k', text, [['b'], ['c'], ['a']]), [
        { k: 'b', n: 2, 'odd name': null },
        undefined,
        { k: 'a', n: 1, 'odd name': 'x' },
      ]);
      assert.deepEqual(await prepared.read('t_by_k', text, []), []);
      // What the main connection commits, the next read sees.
      main.exec(`update t set n = 3 where k = 'a'`);
      assert.deepEqual(await prepared.read('t_by_k', text, [['a']]), [{ k: 'a', n: 3, 'odd name': 'x' }]);
      // Inside a transaction of the main connection, the read sees its writes.
      main.exec(`begin; insert into t values ('d', 4, 'y')`);
      assert.deepEqual(await prepared.read('t_by_k', text, [['d']]), [{ k: 'd', n: 4, 'odd name': 'y' }]);
      main.exec('rollback');
      assert.deepEqual(await prepared.read('t_by_k', text, [['d']]), [undefined]);
    } finally {
      prepared.close();
      main.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
