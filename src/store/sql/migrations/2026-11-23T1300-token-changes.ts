import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../schema.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
/** The change log every node reads to drop cached tokens that changed elsewhere, and its one-row counter and name. */
export function tokenChanges(dialect: SqlDialect) {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('token_changes')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('digest', bytes, (c) => c.notNull())
        .addColumn('changed_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('change_sequence')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        // Names this log among others on a shared Redis: nodes of another database ignore it.
        .addColumn('log_id', 'text', (c) => c.notNull())
        .execute();
      await db
        .insertInto('change_sequence')
        .values({ id: 1, seq: 0, log_id: randomBytes(8).toString('hex') })
        .execute();
    },
  };
}
