import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
export const edgeConfig = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('edge_configs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('owner_user_id', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text')
      .addColumn('items', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tokens_resource').on('tokens').columns(['resource_kind', 'resource_id', 'id']).execute();
  },
};
