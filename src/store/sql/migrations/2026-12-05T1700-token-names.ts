import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../schema.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * The dashboard searches a listing of tokens by the start of their names (`GET /v1/tokens?q=`).
 * A listing is always one owner's tokens or one team's, so the name follows the column each is
 * chosen by: the prefix becomes a range within one owner or team. On PostgreSQL the name is held in
 * collation "C", byte order, which is what a prefix range needs and what the store's query reads
 * (`name collate "C"`); SQLite's default BINARY collation is byte order already.
 */
export function tokenNames(dialect: SqlDialect) {
  const name = dialect === 'postgres' ? sql`name collate "C"` : sql`name`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await sql`create index tokens_owner_name on tokens (owner_user_id, ${name})`.execute(db);
      await sql`create index tokens_team_name on tokens (team_id, ${name})`.execute(db);
    },
  };
}
