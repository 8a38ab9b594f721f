import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../schema.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * The dashboard's search (`GET /v1/tokens?q=`) ignores the case of ASCII letters ("billing" finds
 * "Billing worker"), so the name indexes of 2026-12-05T1700 hold the name with its ASCII letters
 * lowered, the expression the store's query compares: `lower(name)`, which lowers only A–Z on
 * SQLite and, in collation "C", on PostgreSQL. The indexes on the plain name go: nothing reads them.
 */
export function tokenNamesFolded(dialect: SqlDialect) {
  const folded = dialect === 'postgres' ? sql`lower(name collate "C")` : sql`lower(name)`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql`create index tokens_owner_folded_name on tokens (owner_user_id, ${folded})`.execute(db);
      await sql`create index tokens_team_folded_name on tokens (team_id, ${folded})`.execute(db);
      await sql`drop index tokens_owner_name`.execute(db);
      await sql`drop index tokens_team_name`.execute(db);
    },
  };
}
