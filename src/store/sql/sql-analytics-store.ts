import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import { BUCKET_MS, bucketStart, GRANULARITIES } from '../../core/analytics.js';
import type { VerifyCode } from '../../core/verify.js';

import { countKey, MAX_ROW_CREDITS, ROLLS_INTO, type AnalyticsStore, type Series, type SeriesQuery, type VerificationCount } from '../analytics-store.js';
import type { Database, SqlDialect } from './schema.js';

/** Rows per insert statement: ten parameters each, far below either dialect's limit. */
const ROWS_PER_STATEMENT = 500;

type Counts = ExpressionBuilder<Database, 'verification_counts'>;

const int = (value: number | bigint) => sql<number>`cast(${typeof value === 'bigint' ? value : String(value)} as bigint)`;

interface MovedRow {
  bucket_start: number | string;
  token_id: string;
  outcome: string;
  tag: string;
  owner_user_id: string | null;
  team_id: string | null;
  token_type: string | null;
  count: number | string;
  credits: string;
}

/**
 * Adds `counts` to what is stored, in key order (two nodes writing overlapping batches lock rows
 * in the same order), a row's credits stopping at MAX_ROW_CREDITS.
 */
async function upsert(tx: Kysely<Database>, counts: readonly VerificationCount[]): Promise<void> {
  const sorted = [...counts].sort((a, b) => (countKey(a) < countKey(b) ? -1 : 1));
  for (let i = 0; i < sorted.length; i += ROWS_PER_STATEMENT) {
    const rows = sorted.slice(i, i + ROWS_PER_STATEMENT).map((c) => ({
      granularity: c.granularity,
      bucket_start: c.bucketStart,
      token_id: c.tokenId ?? '',
      outcome: c.outcome,
      tag: c.tag,
      owner_user_id: c.ownerUserId,
      team_id: c.teamId,
      token_type: c.tokenType,
      count: c.count,
      credits: c.credits > MAX_ROW_CREDITS ? MAX_ROW_CREDITS : c.credits,
    }));
    await tx
      .insertInto('verification_counts')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['granularity', 'bucket_start', 'token_id', 'outcome', 'tag']).doUpdateSet({
          count: sql`verification_counts.count + excluded.count`,
          credits: sql`case when verification_counts.credits > ${sql.lit(MAX_ROW_CREDITS)} - excluded.credits then ${sql.lit(MAX_ROW_CREDITS)} else verification_counts.credits + excluded.credits end`,
          owner_user_id: sql`excluded.owner_user_id`,
          team_id: sql`excluded.team_id`,
          token_type: sql`excluded.token_type`,
        }),
      )
      .execute();
  }
}

/** Verification counts in SQLite or PostgreSQL (table verification_counts). */
export class SqlAnalyticsStore implements AnalyticsStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {}

  async add(counts: readonly VerificationCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.db.transaction().execute((tx) => upsert(tx, counts));
  }

  async rollUp(from: 'minute' | 'hour', before: number): Promise<number> {
    const into = ROLLS_INTO[from];
    // Literals, not parameters: PostgreSQL matches the grouped expression to the selected one only when they are the same text.
    const size = sql.lit(BUCKET_MS[into]);
    const columns = sql`granularity, bucket_start, token_id, outcome, tag, owner_user_id, team_id, token_type, count, credits`;
    const onConflict = sql`on conflict (granularity, bucket_start, token_id, outcome, tag) do update set
      count = verification_counts.count + excluded.count,
      credits = case when verification_counts.credits > ${sql.lit(MAX_ROW_CREDITS)} - excluded.credits then ${sql.lit(MAX_ROW_CREDITS)} else verification_counts.credits + excluded.credits end`;
    if (this.dialect === 'postgres') {
      // One statement: the delete claims each row once, even against a sweep on another node (a
      // row it deleted first is gone when this one's delete gets to it), and what it deleted is
      // what is added up.
      const result = await sql<{ moved: string | number }>`
        with moved as (
          delete from verification_counts where granularity = ${from} and bucket_start < ${int(before)} returning *
        ), written as (
          insert into verification_counts (${columns})
          select cast(${into} as text), bucket_start - bucket_start % ${size}, token_id, outcome, tag,
            max(owner_user_id), max(team_id), max(token_type), sum(count), least(sum(credits), ${sql.lit(MAX_ROW_CREDITS)})
          from moved group by bucket_start - bucket_start % ${size}, token_id, outcome, tag
          ${onConflict}
          returning 1
        )
        select count(*) as moved from moved`.execute(this.db);
      return Number(result.rows[0]?.moved ?? 0);
    }
    // SQLite: the delete claims the rows (and the write lock) first, then their sums are added
    // here, in BigInt (SQLite's sum() fails past 64 bits), in the same transaction.
    return this.db.transaction().execute(async (tx) => {
      const moved = await sql<MovedRow>`
        delete from verification_counts where granularity = ${from} and bucket_start < ${int(before)}
        returning bucket_start, token_id, outcome, tag, owner_user_id, team_id, token_type, count, cast(credits as text) as credits`.execute(tx);
      const sums = new Map<string, VerificationCount>();
      for (const row of moved.rows) {
        const count: VerificationCount = {
          granularity: into,
          bucketStart: bucketStart(Number(row.bucket_start), into),
          tokenId: row.token_id === '' ? null : row.token_id,
          outcome: row.outcome as VerifyCode,
          tag: row.tag,
          ownerUserId: row.owner_user_id,
          teamId: row.team_id,
          tokenType: row.token_type,
          count: Number(row.count),
          credits: BigInt(row.credits),
        };
        const key = countKey(count);
        const earlier = sums.get(key);
        if (earlier) {
          earlier.count += count.count;
          earlier.credits += count.credits;
        } else sums.set(key, count);
      }
      await upsert(tx, [...sums.values()]);
      return moved.rows.length;
    });
  }

  async deleteBefore(before: number): Promise<number> {
    const deleted = await this.db.deleteFrom('verification_counts').where('bucket_start', '<', int(before)).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  async series(query: SeriesQuery): Promise<Series[]> {
    const visible = visibility(query);
    if (visible === false) return [];
    const keyColumn = query.groupBy === 'outcome' ? 'outcome' : query.groupBy === 'token' ? 'token_id' : 'tag';
    const where = (eb: Counts) => {
      const finer = GRANULARITIES.slice(0, GRANULARITIES.indexOf(query.granularity) + 1);
      const all: Expression<SqlBool>[] = [
        eb('granularity', 'in', finer),
        eb('bucket_start', '>=', int(query.from)),
        eb('bucket_start', '<', int(query.to)),
        query.tag !== undefined ? eb('tag', '=', query.tag) : query.groupBy === 'tag' ? eb('tag', '<>', '') : eb('tag', '=', ''),
      ];
      if (query.tokenIds !== undefined) all.push(eb('token_id', 'in', [...query.tokenIds]));
      if (query.ownerUserId !== undefined) all.push(eb('owner_user_id', '=', query.ownerUserId));
      if (query.teamId !== undefined) all.push(eb('team_id', '=', query.teamId));
      if (query.outcomes !== undefined) all.push(eb('outcome', 'in', [...query.outcomes]));
      if (visible !== true) all.push(visible(eb));
      return eb.and(all);
    };
    const totals = await this.db
      .selectFrom('verification_counts')
      .select([`${keyColumn} as key`, sql<string | number>`sum(count)`.as('total')])
      .where(where)
      .groupBy(keyColumn)
      .orderBy('total', 'desc')
      .orderBy('key')
      .limit(query.limit)
      .execute();
    if (totals.length === 0) return [];
    const t = sql<number | string>`bucket_start - bucket_start % ${sql.lit(BUCKET_MS[query.granularity])}`;
    const points = await this.db
      .selectFrom('verification_counts')
      .select([`${keyColumn} as key`, t.as('t'), sql<string | number>`sum(count)`.as('count'), sql<string>`cast(sum(credits) as text)`.as('credits')])
      .where((eb) =>
        eb.and([
          where(eb),
          eb(
            keyColumn,
            'in',
            totals.map((row) => String(row.key)),
          ),
        ]),
      )
      .groupBy([keyColumn, t])
      .orderBy('t')
      .execute();
    const series = new Map<string, Series>(totals.map((row) => [String(row.key), { key: String(row.key), total: Number(row.total), points: [] }]));
    for (const point of points) {
      series.get(String(point.key))!.points.push({ t: Number(point.t), count: Number(point.count), credits: BigInt(point.credits) });
    }
    return [...series.values()];
  }
}

/** The visibility as a where: true for every row, false for none. */
function visibility(query: SeriesQuery): true | false | ((eb: Counts) => Expression<SqlBool>) {
  const v = query.visibility;
  if (v.kind === 'all') return true;
  if (!v.ownOutsideTeams && v.teams.length === 0) return false;
  return (eb) => {
    const either: Expression<SqlBool>[] = [];
    if (v.ownOutsideTeams) either.push(eb.and([eb('team_id', 'is', null), eb('owner_user_id', '=', v.userId)]));
    for (const team of v.teams) {
      const inTeam = eb('team_id', '=', team.teamId);
      either.push(team.allPersonal ? inTeam : eb.and([inTeam, eb.or([eb('token_type', '<>', 'personal'), eb('owner_user_id', '=', v.userId)])]));
    }
    return eb.and([eb('token_id', '<>', ''), eb.or(either)]);
  };
}
