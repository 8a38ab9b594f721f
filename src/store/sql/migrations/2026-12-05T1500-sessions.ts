import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Dashboard sessions (POST /v1/session): the SHA-256 of the session id as the key, never the id,
 * and the personal token that signed in, which every request re-checks. The index on expires_at
 * serves the sweep of expired sessions.
 */
export const sessions = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('sessions')
      .addColumn('digest', 'text', (c) => c.primaryKey())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
  },
};
