import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * The change log records whose token changed (its type, owner and team), so that a verifier's
 * change stream (GET /v1/verifier/changes) carries only the changes of the tokens its caller may
 * read, deleted ones included: a deleted token cannot be looked up afterwards. Changes logged
 * before keep null there, and are sent to every verifier.
 */
export const changeOwners = {
  async up(db: Kysely<any>): Promise<void> {
    for (const column of ['token_type', 'owner_user_id', 'team_id']) {
      await db.schema.alterTable('token_changes').addColumn(column, 'text').execute();
    }
  },
};
