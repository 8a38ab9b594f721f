import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Leak intake (issue 22): each team's leak policy and the installation's default (scope `*`).
 * A leak mark no longer revokes by itself (a `notify` policy keeps the token working), so a token
 * marked leaked before this migration, which was refused from that instant, gets that instant as
 * its revocation: it stays refused.
 */
export const leakPolicies = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('leak_policies')
      .addColumn('scope', 'text', (c) => c.primaryKey())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('grace_period_ms', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    await sql`update tokens set revoked_at = leaked_at where leaked_at is not null and (revoked_at is null or revoked_at > leaked_at)`.execute(db);
  },
};
