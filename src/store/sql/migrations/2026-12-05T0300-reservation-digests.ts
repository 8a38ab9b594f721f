import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

// Frozen: never edit after it has landed; add a new dated migration instead.
/**
 * A reservation id is a bearer credential (its holder may commit or release it), so it is now
 * stored as its SHA-256 (base64url, 43 characters), as token secrets are: each id in the table
 * becomes its digest. SQLite has no SHA-256, so the digests are made here, a batch at a time;
 * a digest never has the length of an id (31), so no row is hashed twice.
 *
 * The idempotency records of commits and releases, scoped `reservation:<id>` and keeping an
 * answer that shows the id, go: their scope is now the digest, so they would never be replayed.
 */
export const reservationDigests = {
  async up(db: Kysely<any>): Promise<void> {
    await db
      .deleteFrom('idempotency_keys')
      .where(sql`substr(scope, 1, 16)`, '=', 'reservation:res_')
      .execute();
    const digestOf = (id: string) => createHash('sha256').update(id).digest('base64url');
    for (;;) {
      const rows: Array<{ id: string }> = await db
        .selectFrom('credit_reservations')
        .select('id')
        .where(sql`length(id)`, '<>', DIGEST_LENGTH)
        .limit(BATCH)
        .execute();
      if (rows.length === 0) return;
      const ids = rows.map((row) => row.id);
      await db
        .updateTable('credit_reservations')
        .set({
          id: sql`case id ${sql.join(
            ids.map((id) => sql`when ${id} then ${digestOf(id)}`),
            sql` `,
          )} end`,
        })
        .where('id', 'in', ids)
        .execute();
    }
  },
};

const DIGEST_LENGTH = 43;
/** Ids per UPDATE: two parameters each, well inside SQLite's limit. */
const BATCH = 500;
