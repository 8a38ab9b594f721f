import type { Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * Verification analytics: one row per (granularity, bucket, token, outcome, tag) with a count and
 * the credits spent (10⁻⁹ credits). `token_id` is '' for verifications that named no token
 * (NOT_FOUND), so the unique key covers them on both dialects (a NULL would never conflict).
 * `tag` is '' on the row every verification adds to, and a tag on the extra row per tag: totals
 * read the '' rows only, so they never count a verification twice. Owner, team and token type are
 * kept beside the count so reads can be scoped without a join (the token may be gone).
 */
export const verificationCounts = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('verification_counts')
      .addColumn('granularity', 'text', (c) => c.notNull())
      .addColumn('bucket_start', 'bigint', (c) => c.notNull())
      .addColumn('token_id', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('owner_user_id', 'text')
      .addColumn('team_id', 'text')
      .addColumn('token_type', 'text')
      .addColumn('count', 'bigint', (c) => c.notNull())
      .addColumn('credits', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('verification_counts_pk', ['granularity', 'bucket_start', 'token_id', 'outcome', 'tag'])
      .execute();
    // Scoped reads: a team's or a user's rows in a window.
    await db.schema.createIndex('verification_counts_team').on('verification_counts').columns(['team_id', 'bucket_start']).execute();
    await db.schema.createIndex('verification_counts_owner').on('verification_counts').columns(['owner_user_id', 'bucket_start']).execute();
    await db.schema.createIndex('verification_counts_token').on('verification_counts').columns(['token_id', 'bucket_start']).execute();
  },
};
