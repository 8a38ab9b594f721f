import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/** Whether the SQLite connection is inside a transaction now (better-sqlite3's `inTransaction`). */
export interface TransactionState {
  readonly inTransaction: boolean;
}

/**
 * Kysely's SQLite dialect with every transaction begun `immediate`: it takes the database's write
 * lock at its first statement, waiting for another process's writes up to busy_timeout.
 *
 * Every transaction of the SQL stores reads and then writes (checks a rule, then changes the
 * rows). Begun with a plain `begin`, such a transaction holds only a snapshot until its first
 * write; when another process (a second server, the CLI) has committed since, or also waits to
 * write, SQLite refuses the write at once with SQLITE_BUSY, whatever busy_timeout says. Within
 * one process Kysely's single SQLite connection runs transactions one at a time anyway.
 *
 * A transaction begun while the connection is already in one (the startup lock's, which the
 * migrations and the first-start bootstrap run in) is a savepoint of it: its statements commit
 * or roll back with it, under the write lock the outer one holds.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #state: TransactionState;

  constructor(config: SqliteDialectConfig, state: TransactionState) {
    super(config);
    this.#config = config;
    this.#state = state;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config, this.#state);
  }
}

const SAVEPOINT = 'kysely_nested';

class ImmediateSqliteDriver extends SqliteDriver {
  /** For each transaction begun and not yet ended, innermost last: whether it is a savepoint. */
  readonly #nested: boolean[] = [];

  constructor(
    config: SqliteDialectConfig,
    private readonly state: TransactionState,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const nested = this.state.inTransaction;
    await connection.executeQuery(CompiledQuery.raw(nested ? `savepoint ${SAVEPOINT}` : 'begin immediate'));
    this.#nested.push(nested);
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(this.#nested.pop() ? `release ${SAVEPOINT}` : 'commit'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#nested.pop()) {
      await connection.executeQuery(CompiledQuery.raw(`rollback to ${SAVEPOINT}`));
      await connection.executeQuery(CompiledQuery.raw(`release ${SAVEPOINT}`));
    } else {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    }
  }
}
