import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { openStores } from '../open-stores.js';
import { backupSqlite, inspectSqliteStore, SqliteInUseError, withExclusiveSqlite } from './sqlite-store-file.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite store files', () => {
  it('refuses a file that is not SQLite, and a SQLite database that is not a tessera store', () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'these are not the pages you are looking for\n'.repeat(100));
    assert.throws(() => inspectSqliteStore(text), /notes\.txt is not a SQLite database/);
    const other = join(dir, 'other.db');
    const db = new SqliteDatabase(other);
    db.exec('create table things (id integer primary key)');
    db.close();
    assert.throws(() => inspectSqliteStore(other), /other\.db is a SQLite database but not a tessera store/);
    assert.throws(() => inspectSqliteStore(join(dir, 'missing.db')), /cannot open .*missing\.db/);
  });

  it('backs up a store that another connection holds open, as one file, with its migrations and settings', async () => {
    const data = join(dir, 'live');
    const stores = await openStores({ dataDir: data });
    try {
      await stores.settings.claim('example', 'value');
      const copy = join(dir, 'copy.db');
      await backupSqlite(join(data, 'tessera.db'), copy);
      assert.equal(existsSync(`${copy}-wal`), false);
      const journal = new SqliteDatabase(copy);
      assert.equal(journal.pragma('journal_mode', { simple: true }), 'delete');
      journal.close();
      const report = inspectSqliteStore(copy);
      assert.equal(report.settings.example, 'value');
      assert.deepEqual(report.unknown, []);
      assert.deepEqual(report.pending, []);
      assert.ok(report.applied.length > 10, String(report.applied.length));
    } finally {
      await stores.close();
    }
  });

  it('takes the exclusive lock only when no connection has the database open, idle ones included', async () => {
    const data = join(dir, 'locked');
    const stores = await openStores({ dataDir: data });
    const path = join(data, 'tessera.db');
    let ran = false;
    try {
      assert.throws(
        () => withExclusiveSqlite(path, 100, () => (ran = true)),
        (error: unknown) => error instanceof SqliteInUseError,
      );
      assert.equal(ran, false);
    } finally {
      await stores.close();
    }
    assert.equal(
      withExclusiveSqlite(path, 100, () => 'held'),
      'held',
    );
  });

  it('lets a file that is not a database be replaced: no server can be using it', () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, Buffer.alloc(8192, 7));
    assert.equal(
      withExclusiveSqlite(junk, 100, () => 'replaced'),
      'replaced',
    );
  });
});
