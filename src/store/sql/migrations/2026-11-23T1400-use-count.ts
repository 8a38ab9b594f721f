import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/** How many times each token was used, added to in batches by the usage recorder. */
export const useCount = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('tokens')
      .addColumn('use_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
