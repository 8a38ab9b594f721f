import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { rowBuilder, sqlitePreparedRead } from './prepared-query.js';

describe('prepared reads', () => {
  it('build each row as an object of the statement column names, whatever characters they hold', () => {
    const columns = ['id', 'use count', 'it\'s', 'a"b', '\\', 'constructor'];
    const rowOf = rowBuilder(columns);
    const row = rowOf([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(Object.entries(row), columns.map((column, i) => [column, i + 1]));
    assert.notEqual(rowOf([1, 2, 3, 4, 5, 6]), row, 'a new object per row');
  });

  it('read rows by name from SQLite, and undefined when there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-prepared-'));
    const main = new SqliteDatabase(join(dir, 'store.db'));
    const prepared = sqlitePreparedRead(main);
    try {
      main.pragma('journal_mode = WAL');
      main.exec(`create table t (k text primary key, n integer, "odd name" text); insert into t values ('a', 1, 'x'), ('b', 2, null)`);
      const text = 'select k, n, "odd name" from t where k = ?';
      assert.deepEqual(await prepared.read('t_by_k', text, ['b']), { k: 'b', n: 2, 'odd name': null });
      assert.deepEqual(await prepared.read('t_by_k', text, ['a']), { k: 'a', n: 1, 'odd name': 'x' });
      assert.equal(await prepared.read('t_by_k', text, ['c']), undefined);
    } finally {
      prepared.close();
      main.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
