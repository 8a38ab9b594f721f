import type { Kysely } from 'kysely';
import type { SessionRecord, SessionStore } from '../session-store.js';
import { millis, withConflict } from './driver/conflicts.js';
import type { Database, SessionsTable } from './schema.js';

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(session: SessionRecord): Promise<void> {
    await withConflict('the session', () =>
      this.db
        .insertInto('sessions')
        .values({
          digest: session.digest,
          token_id: session.tokenId,
          user_id: session.userId,
          created_at: session.createdAt,
          expires_at: session.expiresAt,
          last_seen_at: session.lastSeenAt,
        })
        .execute(),
    );
  }

  async find(digest: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('digest', '=', digest).executeTakeFirst();
    return row && recordOf(row);
  }

  async touch(digest: string, at: number): Promise<boolean> {
    const found = await this.db.selectFrom('sessions').select('digest').where('digest', '=', digest).executeTakeFirst();
    if (!found) return false;
    // Guarded, so two nodes touching at once never move it back.
    await this.db.updateTable('sessions').set({ last_seen_at: at }).where('digest', '=', digest).where('last_seen_at', '<', at).execute();
    return true;
  }

  async delete(digest: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('digest', '=', digest).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function recordOf(row: SessionsTable): SessionRecord {
  return {
    digest: row.digest,
    tokenId: row.token_id,
    userId: row.user_id,
    createdAt: millis(row.created_at),
    expiresAt: millis(row.expires_at),
    lastSeenAt: millis(row.last_seen_at),
  };
}
