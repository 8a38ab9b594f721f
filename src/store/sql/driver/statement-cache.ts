import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/**
 * better-sqlite3 as Kysely's SQLite dialect sees it, with each SQL text prepared once. Kysely's
 * driver prepares every query it runs; for a short statement (a guarded charge, an insert)
 * preparing costs as much as running it. The `max` most recently prepared statements are kept;
 * the query texts are the builder's, with values as parameters, so their number is bounded by
 * the code, not by the data.
 */
export function withStatementCache(database: SqliteDatabase.Database, max = 500): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    // The oldest prepared goes first when full; a hit does not move its statement (re-inserting
    // one key over and over slows V8's Map down, see token-cache.ts), and one re-prepared now and
    // then costs little.
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (statements.size >= max) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
