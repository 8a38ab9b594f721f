import type SqliteDatabase from 'better-sqlite3';

/** Told of every query: how long it took in ms, and whether it failed. */
export type QueryObserver = (ms: number, failed: boolean) => void;

/**
 * A read run as a statement prepared once, for the few queries on the verify path: building
 * and compiling a query per request (and, on SQLite, preparing it) costs more than the lookup.
 * Runs the statement once for each set of parameters, all in one read transaction; a row (or
 * undefined) for each, in order.
 */
export type PreparedRead = <Row>(name: string, text: string, params: ReadonlyArray<readonly unknown[]>) => Promise<Array<Row | undefined>>;

/**
 * SQLite: statements prepared on a read-only connection of their own. WAL lets it read the
 * last committed state while the main connection writes, and a read there never sees a
 * transaction of the main connection half done. While the main connection is inside a
 * transaction that spans several statements (the start-up lock runs the migrations and the
 * bootstrap in one), the read runs there instead, so the work inside sees its own writes.
 *
 * The reads of one call share a transaction: outside one, each statement begins and ends a
 * read transaction of its own, taking and releasing WAL's read lock, a good part of what a
 * lookup costs (docs/performance.md).
 */
export function sqlitePreparedRead(main: SqliteDatabase.Database, onQuery?: QueryObserver): { read: PreparedRead; close(): void } {
  let reader: SqliteDatabase.Database | undefined;
  type Prepared = { readAll: (params: ReadonlyArray<readonly unknown[]>) => Array<Record<string, unknown> | undefined> };
  // By name, a map per connection: a key made per read (connection and name) cost a string each.
  const onMain = new Map<string, Prepared>();
  const onReader = new Map<string, Prepared>();
  const prepare = (connection: SqliteDatabase.Database, name: string, text: string) => {
    const statements = connection === main ? onMain : onReader;
    let prepared = statements.get(name);
    if (!prepared) {
      const statement = connection.prepare(text).raw(true);
      const rowOf = rowBuilder(statement.columns().map((column) => column.name));
      const readAll = connection.transaction((params: ReadonlyArray<readonly unknown[]>) =>
        params.map((values) => {
          const row = statement.get(...values) as unknown[] | undefined;
          return row && rowOf(row);
        }),
      );
      statements.set(name, (prepared = { readAll }));
    }
    return prepared;
  };
  const read: PreparedRead = async <Row>(name: string, text: string, params: ReadonlyArray<readonly unknown[]>) => {
    reader ??= openReader(main);
    const { readAll } = prepare(main.inTransaction ? main : reader, name, text);
    const started = performance.now();
    let failed = true;
    try {
      const rows = readAll(params) as Array<Row | undefined>;
      failed = false;
      return rows;
    } finally {
      onQuery?.(performance.now() - started, failed);
    }
  };
  return { read, close: () => reader?.close() };
}

type RowBuilder = (values: readonly unknown[]) => Record<string, unknown>;

/**
 * Turns a raw row (values in column order) into an object keyed by column name, with a function
 * made for the statement's columns: one object literal, so every row has the same shape and
 * fast properties. better-sqlite3 building row objects in native code cost more (measured in
 * docs/performance.md); a loop setting one property at a time made dictionary-mode objects
 * that were slow to build and to read. The names are the statement's own
 * columns, quoted as JSON.
 */
export function rowBuilder(columns: readonly string[]): RowBuilder {
  const fields = columns.map((column, i) => `${JSON.stringify(column)}: values[${i}]`);
  return new Function('values', `return { ${fields.join(', ')} };`) as RowBuilder;
}

function openReader(main: SqliteDatabase.Database): SqliteDatabase.Database {
  const Database = main.constructor as typeof SqliteDatabase;
  const reader = new Database(main.name, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  return reader;
}
