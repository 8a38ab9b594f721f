import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/**
 * Kysely's SQLite dialect with every transaction begun `immediate`: it takes the database's write
 * lock at its first statement, waiting for another process's writes up to busy_timeout.
 *
 * Every transaction of the SQL stores reads and then writes (checks a rule, then changes the
 * rows). Begun with a plain `begin`, such a transaction holds only a snapshot until its first
 * write; when another process (a second server, the CLI) has committed since, or also waits to
 * write, SQLite refuses the write at once with SQLITE_BUSY, whatever busy_timeout says. Within
 * one process Kysely's single SQLite connection runs transactions one at a time anyway.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
