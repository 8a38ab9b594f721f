import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../schema.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * The token indexes led by the team or the resource hold only the tokens that have one. Most
 * tokens have neither (a personal or an imported key), and every index entry is written on each
 * insert: a million imported keys went into SQLite in 12.6 s instead of 16 s (issue 23). Every
 * query that reads these indexes compares the leading column with `=`, which implies `is not
 * null`, so both SQLite and PostgreSQL still use them; the previous version's queries are the same.
 * Each index is made again under its own name, in the migration's transaction.
 */
export function partialTokenIndexes(dialect: SqlDialect) {
  const folded = dialect === 'postgres' ? sql`lower(name collate "C")` : sql`lower(name)`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const name of ['tokens_team', 'tokens_resource', 'tokens_team_folded_name']) await sql`drop index ${sql.ref(name)}`.execute(db);
      await sql`create index tokens_team on tokens (team_id, id) where team_id is not null`.execute(db);
      await sql`create index tokens_resource on tokens (resource_kind, resource_id, id) where resource_kind is not null`.execute(db);
      await sql`create index tokens_team_folded_name on tokens (team_id, ${folded}) where team_id is not null`.execute(db);
    },
  };
}
