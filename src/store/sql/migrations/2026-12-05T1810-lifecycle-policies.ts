import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Lifecycle policies (issue 22): one row per level, the installation's and each team's, the
 * policy as JSON. And the inactivity sweep's marker, apart from the wide token row that every
 * verification reads: the activity instant a token was warned about (`token.inactive`) and when,
 * set by a guarded upsert so that of nodes sweeping at once, one warns.
 */
export const lifecyclePolicies = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('lifecycle_policies')
      .addColumn('scope', 'text', (c) => c.primaryKey())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .execute();
    await db.schema
      .createTable('token_inactivity')
      .addColumn('token_id', 'text', (c) => c.primaryKey())
      .addColumn('warned_for', 'bigint', (c) => c.notNull())
      .addColumn('warned_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
