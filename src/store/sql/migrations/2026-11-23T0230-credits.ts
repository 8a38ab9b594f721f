import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/** Credits in integers of 10⁻⁹ (bigint), refills, rate limits, shared pools, reservations and idempotent replies. */
export const credits = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('tokens').addColumn('credits', 'bigint').execute();
    await db.schema
      .alterTable('tokens')
      .addColumn('credits_active', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('tokens').addColumn('credit_pool', 'text').execute();
    await db.schema.alterTable('tokens').addColumn('refill', 'text').execute();
    await db.schema.alterTable('tokens').addColumn('last_refill_at', 'bigint').execute();
    await db.schema
      .alterTable('tokens')
      .addColumn('rate_limits', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();

    await db.schema
      .createTable('credit_pools')
      .addColumn('owner_id', 'text', (c) => c.primaryKey())
      .addColumn('credits', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('credit_reservations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('pool_id', 'text')
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('committed', 'bigint')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('settled_at', 'bigint')
      .execute();
    await db.schema.createIndex('credit_reservations_open').on('credit_reservations').columns(['state', 'expires_at']).execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('body', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();
  },
};
