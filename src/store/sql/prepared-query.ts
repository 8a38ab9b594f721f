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
  const statements = new Map<string, { statement: SqliteDatabase.Statement; columns: string[] }>();
  const prepare = (connection: SqliteDatabase.Database, name: string, text: string) => {
    const key = `${connection === main ? 'main' : 'reader'}:${name}`;
    let prepared = statements.get(key);
    if (!prepared) {
      const statement = connection.prepare(text).raw(true);
      statements.set(key, (prepared = { statement, columns: statement.columns().map((column) => column.name) }));
    }
    return prepared;
  };
  const read: PreparedRead = async <Row>(name: string, text: string, values: readonly unknown[]) => {
    reader ??= openReader(main);
    const { statement, columns } = prepare(main.inTransaction ? main : reader, name, text);
    const started = performance.now();
    let failed = true;
    try {
      const row = rowOf(columns, statement.get(...values) as unknown[] | undefined) as Row | undefined;
      failed = false;
      return row;
    } finally {
      onQuery?.(performance.now() - started, failed);
    }
  };
  return { read, close: () => reader?.close() };
}

/**
 * A raw row (values in column order) as an object keyed by column name. better-sqlite3 builds
 * row objects itself in native code, which costs more than this loop: for the 32 columns of a
 * token, 37 µs a lookup instead of 26.
 */
function rowOf(columns: readonly string[], values: unknown[] | undefined): Record<string, unknown> | undefined {
  if (!values) return undefined;
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
  return row;
}

function openReader(main: SqliteDatabase.Database): SqliteDatabase.Database {
  const Database = main.constructor as typeof SqliteDatabase;
  const reader = new Database(main.name, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  return reader;
}
