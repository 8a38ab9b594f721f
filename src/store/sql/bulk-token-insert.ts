import { CompiledQuery, type Kysely } from 'kysely';
import type { TokenRecord } from '../../core/token.js';
import type { Database, SqlDialect, TokensTable } from './schema.js';

/** The token columns in the order the statement lists them. */
const COLUMNS = [
  'id',
  'digest',
  'name',
  'type',
  'origin',
  'prefix',
  'suffix',
  'scopes',
  'resource_kind',
  'resource_id',
  'environment',
  'projects',
  'owner_user_id',
  'team_id',
  'metadata',
  'ip_allowlist',
  'expires_at',
  'created_at',
  'updated_at',
  'revoked_at',
  'leaked_at',
  'leaked_url',
  'disabled_at',
  'owner_disabled_at',
  'parent_id',
  'rotated_from_id',
  'credits',
  'credits_active',
  'credit_pool',
  'refill',
  'last_refill_at',
  'rate_limits',
] as const satisfies ReadonlyArray<keyof TokensTable>;

/**
 * Rows per statement. PostgreSQL: 500 (× 32 parameters, under its 65535), one round trip for
 * each. SQLite has no round trip to save, and there a statement of many rows inserted a million
 * tokens in 23 s against 13 s for a one-row statement run a million times (measured with
 * better-sqlite3 alone). Either text is prepared once (statement-cache.ts) for every full batch.
 */
const ROWS_PER_STATEMENT: Record<SqlDialect, number> = { postgres: 500, sqlite: 1 };

/** `insert … values (…), (…) on conflict do nothing` for `rows` rows, in the dialect's placeholders. */
function insertText(dialect: SqlDialect, rows: number): string {
  let n = 0;
  const placeholder = dialect === 'postgres' ? () => `$${++n}` : () => '?';
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) tuples.push(`(${COLUMNS.map(placeholder).join(', ')})`);
  return `insert into tokens (${COLUMNS.join(', ')}) values ${tuples.join(', ')} on conflict do nothing`;
}

/**
 * Inserts many tokens in one transaction, ROWS_PER_STATEMENT to a statement, with the texts built once
 * rather than through the query builder (which costs more than SQLite's insert at a million rows).
 * A token whose id, digest or other unique key exists is skipped: `on conflict do nothing` with no
 * target covers every unique index. Returns how many rows it inserted.
 */
export async function insertTokens(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tokens: readonly TokenRecord[],
  toRow: (token: TokenRecord) => TokensTable,
): Promise<number> {
  if (tokens.length === 0) return 0;
  const texts = new Map<number, string>();
  const run = async (tx: Kysely<Database>): Promise<number> => {
    let inserted = 0;
    const rows = ROWS_PER_STATEMENT[dialect];
    for (let start = 0; start < tokens.length; start += rows) {
      const chunk = tokens.slice(start, start + rows);
      let text = texts.get(chunk.length);
      if (text === undefined) texts.set(chunk.length, (text = insertText(dialect, chunk.length)));
      const parameters: unknown[] = [];
      for (const token of chunk) {
        const row = toRow(token);
        for (const column of COLUMNS) parameters.push(row[column]);
      }
      const result = await tx.executeQuery(CompiledQuery.raw(text, parameters));
      inserted += Number(result.numAffectedRows ?? 0n);
      // A copied token's uses come with it; a token skipped as existing keeps the uses it has.
      for (const token of chunk) {
        if (token.useCount === 0 && token.activeAt === null) continue;
        const uses = dialect === 'postgres' ? usesText.postgres : usesText.sqlite;
        await tx.executeQuery(CompiledQuery.raw(uses, [token.useCount, token.activeAt, token.id, token.digest]));
      }
    }
    return inserted;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** The uses of a token just inserted: only where the row with this id is the one with this digest. */
const usesText = {
  sqlite: 'insert into token_uses (token_id, use_count, active_at) select id, ?, ? from tokens where id = ? and digest = ? on conflict do nothing',
  postgres: 'insert into token_uses (token_id, use_count, active_at) select id, $1, $2 from tokens where id = $3 and digest = $4 on conflict do nothing',
};
