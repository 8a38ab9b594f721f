import type SqliteDatabase from 'better-sqlite3';

/** Told of every query: how long it took in ms, and whether it failed. */
export type QueryObserver = (ms: number, failed: boolean) => void;

/**
 * A read run as a statement prepared once, for the few queries on the verify path: building
 * and compiling a query per request (and, on SQLite, preparing it) costs more than the lookup.
 */
export type PreparedRead = <Row>(name: string, text: string, values: readonly unknown[]) => Promise<Row | undefined>;

/**
 * SQLite: statements prepared on a read-only connection of their own. WAL lets it read the
 * last committed state while the main connection writes, and a read there never sees a
 * transaction of the main connection half done. While the main connection is inside a
 * transaction that spans several statements (the start-up lock runs the migrations and the
 * bootstrap in one), the read runs there instead, so the work inside sees its own writes.
 */
export function sqlitePreparedRead(main: SqliteDatabase.Database, onQuery?: QueryObserver): { read: PreparedRead; close(): void } {
  let reader: SqliteDatabase.Database | undefined;
  type Prepared = { statement: SqliteDatabase.Statement; rowOf: RowBuilder };
  // By name, a map per connection: a key made per read (connection and name) cost a string each.
  const onMain = new Map<string, Prepared>();
  const onReader = new Map<string, Prepared>();
  const prepare = (connection: SqliteDatabase.Database, name: string, text: string) => {
    const statements = connection === main ? onMain : onReader;
    let prepared = statements.get(name);
    if (!prepared) {
      const statement = connection.prepare(text).raw(true);
      statements.set(name, (prepared = { statement, rowOf: rowBuilder(statement.columns().map((column) => column.name)) }));
    }
    return prepared;
  };
  const read: PreparedRead = async <Row>(name: string, text: string, params: readonly unknown[]) => {
    reader ??= openReader(main);
    const { statement, rowOf } = prepare(main.inTransaction ? main : reader, name, text);
    const started = performance.now();
    let failed = true;
    try {
      const values = statement.get(...params) as unknown[] | undefined;
      const row = values && (rowOf(values) as Row);
      failed = false;
      return row;
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
 * fast properties. better-sqlite3 building row objects in native code cost 37 µs a token
 * lookup instead of 26; a loop setting one property at a time made dictionary-mode objects
 * that took ~1 µs a row to build and were slow to read. The names are the statement's own
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
