import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Eden AI addresses a custom token by its name, so among Eden AI tokens not revoked a name is
 * unique in its namespace: the token's team when it has one, else its owner. (A revoked token,
 * or one a rotation retires, frees its name for its successor.) The dialect checked before it
 * inserted, which concurrent creates of one name all passed; the index makes it the store's rule.
 * A database may already hold duplicates: the earliest token of a name keeps it, each later one
 * gets its id appended, so the index can be built and every token keeps a name of its own.
 */
export const edenaiNames = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`
      update tokens set name = name || ' (' || id || ')'
      where origin = 'edenai' and revoked_at is null and exists (
        select 1 from tokens earlier
        where earlier.origin = 'edenai' and earlier.revoked_at is null
          and coalesce(earlier.team_id, earlier.owner_user_id) = coalesce(tokens.team_id, tokens.owner_user_id)
          and earlier.name = tokens.name
          and (earlier.created_at < tokens.created_at or (earlier.created_at = tokens.created_at and earlier.id < tokens.id))
      )`.execute(db);
    await db.schema
      .createIndex('tokens_edenai_name')
      .on('tokens')
      .unique()
      .expression(sql`coalesce(team_id, owner_user_id)`)
      .column('name')
      .where(sql<boolean>`origin = 'edenai' and revoked_at is null`)
      .execute();
  },
};
