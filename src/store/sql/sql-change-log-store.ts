import { sql, type Kysely } from 'kysely';
import type { ChangedToken, ChangeLogStore, LoggedChange } from '../change-log-store.js';
import { millis } from './driver/conflicts.js';
import type { Database } from './schema.js';

export class SqlChangeLogStore implements ChangeLogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(tokens: readonly ChangedToken[], at: number): Promise<LoggedChange[]> {
    if (tokens.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      // The counter row stays locked until commit: numbers are taken and committed in one order.
      const { seq } = await tx
        .updateTable('change_sequence')
        .set({ seq: sql`seq + ${tokens.length}` })
        .where('id', '=', 1)
        .returning('seq')
        .executeTakeFirstOrThrow();
      const first = Number(seq) - tokens.length + 1;
      const changes = tokens.map(
        (t, i): LoggedChange => ({ seq: first + i, digest: t.digest, at, owner: { type: t.type, ownerUserId: t.ownerUserId, teamId: t.teamId } }),
      );
      await tx
        .insertInto('token_changes')
        .values(
          changes.map((c) => ({
            seq: c.seq,
            digest: c.digest,
            changed_at: c.at,
            token_type: c.owner!.type,
            owner_user_id: c.owner!.ownerUserId,
            team_id: c.owner!.teamId,
          })),
        )
        .execute();
      return changes;
    });
  }

  async since(seq: number, limit: number): Promise<LoggedChange[]> {
    const rows = await this.db.selectFrom('token_changes').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      digest: Buffer.from(r.digest),
      at: millis(r.changed_at),
      // Both are set together; a change logged before the migration has neither.
      owner: r.token_type === null || r.owner_user_id === null ? null : { type: r.token_type, ownerUserId: r.owner_user_id, teamId: r.team_id },
    }));
  }

  async latest(): Promise<number> {
    const row = await this.db.selectFrom('change_sequence').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(row.seq);
  }

  async logId(): Promise<string> {
    const row = await this.db.selectFrom('change_sequence').select('log_id').where('id', '=', 1).executeTakeFirstOrThrow();
    return row.log_id;
  }

  async prune(before: number): Promise<number> {
    const latest = await this.latest();
    const result = await this.db.deleteFrom('token_changes').where('changed_at', '<', before).where('seq', '<', latest).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
