import type { Kysely } from 'kysely';
import { DEFAULT_ENVIRONMENTS, DEFAULT_PROJECT } from '../../../core/catalog.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
export const catalog = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('environments')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('projects')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db
      .insertInto('environments')
      .values(DEFAULT_ENVIRONMENTS.map((name) => ({ name, created_at: 0 })))
      .execute();
    await db.insertInto('projects').values({ id: DEFAULT_PROJECT, name: 'Default', created_at: 0 }).execute();
  },
};
