import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/** Values every node on the database must agree on, such as the fingerprint of the secret key. */
export const serverSettings = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('server_settings')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};
