import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Webhooks and their outbox (docs/webhooks.md): the webhooks (no secret: it is derived from the
 * server key, its id and secret_version), the installation's event log numbered under a one-row
 * counter like the change log, one delivery per event and webhook with its lease, and the notices
 * sent once per webhook and subject (token.expiring, credits.low), keyed so a second node's insert
 * loses.
 */
export const webhooks = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('owner_user_id', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('secret_version', 'integer', (c) => c.notNull())
      .addColumn('previous_secret_until', 'bigint')
      .addColumn('expiring_days', 'integer', (c) => c.notNull())
      .addColumn('credits_low_threshold', 'text')
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
      .addColumn('failing_since', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhooks_team').on('webhooks').columns(['team_id', 'id']).execute();
    await db.schema.createIndex('webhooks_owner').on('webhooks').columns(['owner_user_id', 'id']).execute();
    await db.schema
      .createTable('webhook_events')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('team_id', 'text')
      .addColumn('owner_user_id', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_event_sequence')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .execute();
    await db.insertInto('webhook_event_sequence').values({ id: 1, seq: 0 }).execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('event_seq', 'bigint', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('lease_until', 'bigint')
      .addColumn('lease_owner', 'text')
      .addColumn('first_attempt_at', 'bigint')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .execute();
    await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_deliveries_line').on('webhook_deliveries').columns(['webhook_id', 'subject', 'event_seq']).execute();
    // The prune's "is any delivery left of this event", and the log's own by age.
    await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_seq').execute();
    await db.schema.createIndex('webhook_events_created').on('webhook_events').column('created_at').execute();
    await db.schema
      .createTable('webhook_notices')
      .addColumn('webhook_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_notices_pk', ['webhook_id', 'kind', 'subject'])
      .execute();
  },
};
