import { sql, type Kysely } from 'kysely';
import type { TokenRecord } from '../../core/token.js';
import type { InactivityCandidate, InactivityStore } from '../inactivity-store.js';
import type { TokenStore } from '../token-store.js';
import { millis } from './driver/conflicts.js';
import type { Database } from './schema.js';

/** A token's last activity, read in the statement that acts on it: a use recorded meanwhile moves it. */
const ACTIVITY = sql<number>`coalesce((select token_uses.active_at from token_uses where token_uses.token_id = tokens.id), tokens.created_at)`;

export class SqlInactivityStore implements InactivityStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tokens: Pick<TokenStore, 'findById'>,
  ) {}

  async candidates(query: { activeBefore: number; afterId?: string; limit: number }): Promise<InactivityCandidate[]> {
    let select = this.db
      .selectFrom('tokens')
      .leftJoin('token_uses', 'token_uses.token_id', 'tokens.id')
      .leftJoin('token_inactivity', 'token_inactivity.token_id', 'tokens.id')
      .select([
        'tokens.id',
        'tokens.type',
        'tokens.team_id',
        'tokens.created_at',
        'token_uses.active_at',
        'token_inactivity.warned_for',
        'token_inactivity.warned_at',
      ])
      .where('tokens.revoked_at', 'is', null)
      .where('tokens.leaked_at', 'is', null)
      .where(sql<boolean>`coalesce(token_uses.active_at, tokens.created_at) <= ${query.activeBefore}`);
    if (query.afterId !== undefined) select = select.where('tokens.id', '>', query.afterId);
    const rows = await select.orderBy('tokens.id').limit(query.limit).execute();
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      teamId: r.team_id,
      createdAt: millis(r.created_at),
      activeAt: millis(r.active_at),
      warning: r.warned_for === null || r.warned_at === null ? null : { warnedFor: millis(r.warned_for), warnedAt: millis(r.warned_at) },
    }));
  }

  async markWarned(id: string, warnedFor: number, at: number): Promise<boolean> {
    // One statement: the token still live and idle since `warnedFor`, and no warning of this stretch yet.
    const result = await sql`
      insert into token_inactivity (token_id, warned_for, warned_at)
      select tokens.id, cast(${warnedFor} as bigint), cast(${at} as bigint) from tokens
      where tokens.id = ${id} and tokens.revoked_at is null and tokens.leaked_at is null and ${ACTIVITY} = ${warnedFor}
      on conflict (token_id) do update set warned_for = excluded.warned_for, warned_at = excluded.warned_at
      where token_inactivity.warned_for < excluded.warned_for`.execute(this.db);
    return Number(result.numAffectedRows ?? 0n) > 0;
  }

  async revokeInactive(id: string, activeBefore: number, at: number): Promise<TokenRecord | undefined> {
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at, updated_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('leaked_at', 'is', null)
      .where(sql<boolean>`${ACTIVITY} <= ${activeBefore}`)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.tokens.findById(id);
  }
}
