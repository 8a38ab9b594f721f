import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * The keys JWTs are signed with (POST /oauth/token): the public JWK in clear, the private one
 * sealed under a key derived from the server key. `current_slot` is 'current' on the one key new
 * JWTs are signed with and null on retired ones; its unique index lets two nodes that make the
 * first key (or rotate) at the same moment end with one current key: the later insert fails.
 */
export const signingKeys = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'text', (c) => c.notNull())
      .addColumn('sealed_private_key', 'text', (c) => c.notNull())
      .addColumn('current_slot', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('activated_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint')
      .execute();
    await db.schema.createIndex('signing_keys_one_current').on('signing_keys').column('current_slot').unique().execute();
  },
};
