import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../schema.js';

// Frozen: never edit after it has landed; add a new dated migration instead.
export function initial(dialect: SqlDialect) {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .$call((t) =>
          dialect === 'postgres'
            ? t.addColumn('num_id', 'serial', (c) => c.primaryKey())
            : t.addColumn('num_id', 'integer', (c) => c.primaryKey().autoIncrement()),
        )
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('teams')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('team_members')
        .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
        .execute();
      await db.schema.createIndex('team_members_user').on('team_members').column('user_id').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('digest', bytes, (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('suffix', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('resource_kind', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('environment', 'text')
        .addColumn('projects', 'text', (c) => c.notNull())
        .addColumn('owner_user_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text')
        .addColumn('metadata', 'text', (c) => c.notNull())
        .addColumn('ip_allowlist', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('active_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('leaked_at', 'bigint')
        .addColumn('leaked_url', 'text')
        .addColumn('parent_id', 'text')
        .addColumn('rotated_from_id', 'text')
        .execute();
      await db.schema.createIndex('tokens_owner').on('tokens').columns(['owner_user_id', 'id']).execute();
      await db.schema.createIndex('tokens_team').on('tokens').columns(['team_id', 'id']).execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'text')
        .addColumn('actor_token_id', 'text')
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text')
        .addColumn('subject_user_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('request_id', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_team').on('audit_events').columns(['team_id', 'id']).execute();
      await db.schema.createIndex('audit_actor').on('audit_events').columns(['actor_user_id', 'id']).execute();
      await db.schema.createIndex('audit_subject').on('audit_events').columns(['subject_user_id', 'id']).execute();
      await db.schema.createIndex('audit_target').on('audit_events').columns(['target_id', 'id']).execute();
    },
  };
}
