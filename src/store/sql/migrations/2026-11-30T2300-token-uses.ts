import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../schema.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Use counts and last-used times move from the tokens table to a narrow one of their own, with
 * a row for each token used at least once. A flush of use counts rewrites the pages it touches:
 * in the wide tokens table that was a page (and a WAL frame, and a checkpoint write) for nearly
 * every token in the batch; here a page holds the counts of a hundred tokens.
 */
export function tokenUses(dialect: SqlDialect) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('token_uses')
        .addColumn('token_id', 'text', (c) => c.primaryKey().references('tokens.id').onDelete('cascade'))
        .addColumn('use_count', 'bigint', (c) => c.notNull())
        .addColumn('active_at', 'bigint')
        // SQLite: the rows live in the primary key's b-tree, not in a rowid table beside it.
        .$call((t) => (dialect === 'sqlite' ? t.modifyEnd(sql`without rowid`) : t))
        .execute();
      await sql`
        insert into token_uses (token_id, use_count, active_at)
        select id, use_count, active_at from tokens where use_count > 0 or active_at is not null`.execute(db);
      await db.schema.alterTable('tokens').dropColumn('use_count').execute();
      await db.schema.alterTable('tokens').dropColumn('active_at').execute();
    },
  };
}
