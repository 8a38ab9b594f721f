import type { Kysely, Selectable } from 'kysely';
import type { IdempotencyRecord, IdempotencyStore } from '../idempotency-store.js';
import { millis } from './driver/conflicts.js';
import type { Database, IdempotencyKeysTable } from './schema.js';

export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(record: IdempotencyRecord, now: number): Promise<true | IdempotencyRecord> {
    // The primary key decides between concurrent claims; an expired holder is replaced in the same statement.
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({
        scope: record.scope,
        key: record.key,
        request_hash: record.requestHash,
        status: null,
        body: null,
        created_at: record.createdAt,
        expires_at: record.expiresAt,
      })
      .onConflict((oc) =>
        oc
          .columns(['scope', 'key'])
          .doUpdateSet({
            request_hash: record.requestHash,
            status: null,
            body: null,
            created_at: record.createdAt,
            expires_at: record.expiresAt,
          })
          .where('idempotency_keys.expires_at', '<=', now),
      )
      .returning('scope')
      .executeTakeFirst();
    if (inserted) return true;
    const row = await this.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', record.scope).where('key', '=', record.key).executeTakeFirst();
    // Purged between the two statements: claim again.
    return row ? fromRow(row) : this.claim(record, now);
  }

  async complete(scope: string, key: string, status: number, body: string): Promise<void> {
    await this.db.updateTable('idempotency_keys').set({ status, body }).where('scope', '=', scope).where('key', '=', key).execute();
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).where('status', 'is', null).execute();
  }

  async purge(now: number): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function fromRow(r: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  return {
    scope: r.scope,
    key: r.key,
    requestHash: r.request_hash,
    status: r.status === null ? null : Number(r.status),
    body: r.body,
    createdAt: millis(r.created_at),
    expiresAt: millis(r.expires_at),
  };
}
