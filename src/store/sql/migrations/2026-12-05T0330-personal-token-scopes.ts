import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Personal tokens' scopes now limit what they may do on the management API (tokens:write,
 * users:read, …; `*` for all). Before, a personal token could do all its owner could whatever
 * its scopes said, and most were made without any: those get `*`, so they keep working as they
 * did. A personal token made with scopes keeps them, and is held to them from now on.
 */
export const personalTokenScopes = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`update tokens set scopes = '["*"]' where type = 'personal' and scopes = '[]'`.execute(db);
  },
};
