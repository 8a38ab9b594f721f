import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import { isEdgeClientOwner } from '../../core/unleash-edge-token.js';
import type { CreditRefill, RateLimitRule, TokenRecord } from '../../core/token.js';
import type { Page } from '../page.js';
import type { TokenListQuery, TokenPatch, TokenRotation, TokenStore, TokenUse } from '../token-store.js';
import { millis, withConflict } from './driver/conflicts.js';
import { traitsOf, type DialectTraits } from './driver/dialect.js';
import type { PreparedRead } from './driver/prepared-query.js';
import type { Database, SqlDialect, TokensTable, TokenUsesTable } from './schema.js';
import { sharedJson, sharedString } from './driver/shared-values.js';
import { turnEnd } from '../../lib/turn.js';
import { TurnBatch } from './driver/turn-batch.js';
import { insertTokens } from './bulk-token-insert.js';

/** Values per lookup of existing ids or digests: well under SQLite's 32766 parameters. */
const LOOKUP_CHUNK = 5000;

/** A token row with its uses (none: a count of 0). */
type TokenRow = Selectable<TokensTable> & Omit<Selectable<TokenUsesTable>, 'token_id'>;

/** Every column and the token's uses, the balance as text: SQLite hands integers past 2⁵³ back as lossy numbers. */
function selectToken(db: Kysely<Database>) {
  return db
    .selectFrom('tokens')
    .leftJoin('token_uses', 'token_uses.token_id', 'tokens.id')
    .selectAll('tokens')
    .select([
      sql<string | null>`cast(credits as text)`.as('credits'),
      sql<number | string>`coalesce(token_uses.use_count, 0)`.as('use_count'),
      'token_uses.active_at',
    ]);
}

export class SqlTokenStore implements TokenStore {
  /** SQLite: the verify path's one query, compiled once by Kysely and run prepared. */
  readonly #byDigest: string;
  /** The lookups of one turn as one read (at the turn's end, once `db` is set): see turn-batch.ts. */
  readonly #byDigests = new TurnBatch<Buffer, TokenRecord>(
    (digests) => this.#readByDigests(digests),
    (digest) => digest.toString('hex'),
  );

  readonly #traits: DialectTraits;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect = 'sqlite',
    private readonly preparedRead?: PreparedRead,
  ) {
    this.#traits = traitsOf(dialect);
    this.#byDigest = selectToken(db).where('digest', '=', Buffer.alloc(0)).compile().sql;
  }

  async insert(token: TokenRecord): Promise<void> {
    const insert = async (db: Kysely<Database>) => {
      const owner = await this.#lockOwner(db, token.ownerUserId);
      if (!owner) throw ownerNotFound();
      await withConflict('token', () =>
        db
          .insertInto('tokens')
          .values(toRow({ ...token, ownerDisabledAt: owner.disabledAt }))
          .execute(),
      );
      // A token that comes with uses (a copy of one from elsewhere) gets its row of uses too.
      if (token.useCount !== 0 || token.activeAt !== null) {
        await db.insertInto('token_uses').values({ token_id: token.id, use_count: token.useCount, active_at: token.activeAt }).execute();
      }
    };
    await (this.db.isTransaction ? insert(this.db) : this.db.transaction().execute(insert));
  }

  /**
   * The owner's row, read in `tx` and kept from changing until it ends, so that the token stored
   * there and the owner's offboarding (AccountStore.deleteUser and setUserDisabled lock the row for
   * update) come one after the other: stored first, the offboarding's update of the owner's tokens
   * (a statement after its lock) sees it; offboarded first, this read waits, then sees the row gone
   * or disabled. Undefined when the user does not exist.
   */
  async #lockOwner(tx: Kysely<Database>, ownerUserId: string): Promise<{ disabledAt: number | null } | undefined> {
    if (isEdgeClientOwner(ownerUserId)) return { disabledAt: null };
    const row = await this.#traits.lockForShare(tx.selectFrom('users').select('disabled_at').where('id', '=', ownerUserId)).executeTakeFirst();
    return row && { disabledAt: millis(row.disabled_at) };
  }

  insertMany(tokens: readonly TokenRecord[]): Promise<number> {
    return insertTokens(this.db, this.dialect, tokens, toRow);
  }

  async idsByDigest(digests: readonly Buffer[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let start = 0; start < digests.length; start += LOOKUP_CHUNK) {
      const chunk = digests.slice(start, start + LOOKUP_CHUNK);
      const rows = await this.db.selectFrom('tokens').select(['id', 'digest']).where(this.#traits.bytesIn('digest', chunk)).execute();
      for (const row of rows) found.set(Buffer.from(row.digest).toString('hex'), row.id);
    }
    return found;
  }

  async existingIds(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
      const rows = await this.db
        .selectFrom('tokens')
        .select('id')
        .where('id', 'in', ids.slice(start, start + LOOKUP_CHUNK))
        .execute();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const row = await selectToken(this.db).where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  findByDigest(digest: Buffer): Promise<TokenRecord | undefined> {
    return this.#byDigests.get(digest);
  }

  /** With prepared reads (SQLite): the prepared statement for each, in one read transaction. Else one query for them all. */
  async #readByDigests(digests: Buffer[]): Promise<Map<string, TokenRecord>> {
    let rows: Array<TokenRow | undefined>;
    if (this.preparedRead)
      rows = await this.preparedRead<TokenRow>(
        'tessera_token_by_digest',
        this.#byDigest,
        digests.map((digest) => [digest]),
      );
    else rows = await selectToken(this.db).where(this.#traits.bytesIn('digest', digests)).execute();
    const found = new Map<string, TokenRecord>();
    for (const row of rows) if (row) found.set(Buffer.from(row.digest).toString('hex'), fromRow(row));
    return found;
  }

  async list(query: TokenListQuery): Promise<Page<TokenRecord>> {
    const { now } = query;
    const revoked = sql<boolean>`(revoked_at is not null and revoked_at <= ${now})`;
    const expired = sql<boolean>`(expires_at is not null and expires_at <= ${now})`;
    const disabled = sql<boolean>`(disabled_at is not null or owner_disabled_at is not null)`;
    let select = selectToken(this.db);
    if (query.ownerUserId !== undefined) select = select.where('owner_user_id', '=', query.ownerUserId);
    if (query.teamId === null) select = select.where('team_id', 'is', null);
    else if (query.teamId !== undefined) select = select.where('team_id', '=', query.teamId);
    if (query.type !== undefined) select = select.where('type', '=', query.type);
    if (query.excludeType !== undefined) select = select.where('type', '<>', query.excludeType);
    if (query.personalOf !== undefined) {
      const personalOf = query.personalOf;
      select = select.where((eb) => eb.or([eb('type', '<>', 'personal'), eb('owner_user_id', '=', personalOf)]));
    }
    if (query.resource !== undefined) {
      select = select.where('resource_kind', '=', query.resource.kind).where('resource_id', '=', query.resource.id);
    }
    if (query.namePrefix !== undefined && query.namePrefix !== '') select = select.where(this.#traits.namePrefix(query.namePrefix));
    if (query.status === 'revoked') select = select.where(revoked);
    // In tokenStatus's order: revoked, then disabled, then expired.
    if (query.status === 'disabled') select = select.where(sql<boolean>`not ${revoked} and ${disabled}`);
    if (query.status === 'expired') select = select.where(sql<boolean>`not ${revoked} and not ${disabled} and ${expired}`);
    if (query.status === 'active') select = select.where(sql<boolean>`not ${revoked} and not ${disabled} and not ${expired}`);
    if (query.cursor !== undefined) select = select.where('id', '<', query.cursor);
    const rows = await select
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const items = rows.slice(0, query.limit).map(fromRow);
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1]!.id : null };
  }

  async update(id: string, patch: TokenPatch, updatedAt: number): Promise<TokenRecord | undefined> {
    const row = toRow(patch as TokenRecord);
    const changes = Object.fromEntries(
      Object.keys(patch)
        .filter((key) => patch[key as keyof TokenPatch] !== undefined)
        .map((key) => COLUMN_OF[key as keyof TokenPatch])
        .map((column) => [column, row[column]]),
    );
    await withConflict('token', () =>
      this.db
        .updateTable('tokens')
        .set({ ...changes, updated_at: updatedAt })
        .where('id', '=', id)
        .execute(),
    );
    return this.findById(id);
  }

  async revoke(id: string, at: number): Promise<TokenRecord | undefined> {
    await this.db
      .updateTable('tokens')
      .set({ revoked_at: at, updated_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', at)]))
      .execute();
    return this.findById(id);
  }

  async markLeaked(id: string, at: number, url: string | null): Promise<{ token: TokenRecord; marked: boolean } | undefined> {
    const result = await this.db
      .updateTable('tokens')
      .set({ leaked_at: at, leaked_url: url, updated_at: at })
      .where('id', '=', id)
      .where('leaked_at', 'is', null)
      .executeTakeFirst();
    const token = await this.findById(id);
    return token && { token, marked: Number(result.numUpdatedRows) > 0 };
  }

  async setDisabled(id: string, at: number | null, updatedAt: number): Promise<TokenRecord | undefined> {
    await this.db
      .updateTable('tokens')
      .set({ disabled_at: at, updated_at: updatedAt })
      .where('id', '=', id)
      .where('disabled_at', at === null ? 'is not' : 'is', null)
      .execute();
    return this.findById(id);
  }

  async findByIds(ids: readonly string[]): Promise<TokenRecord[]> {
    const unique = [...new Set(ids)];
    const found: TokenRecord[] = [];
    for (let start = 0; start < unique.length; start += LOOKUP_CHUNK) {
      const rows = await selectToken(this.db)
        .where('tokens.id', 'in', unique.slice(start, start + LOOKUP_CHUNK))
        .execute();
      for (const row of rows) found.push(fromRow(row));
    }
    // In code, not in SQL: one order whatever the database's collation, across chunks.
    return found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async rotate(old: Pick<TokenRecord, 'id' | 'updatedAt'>, revokeOldAt: number, now: number, replacement: TokenRecord): Promise<TokenRotation> {
    const oldId = old.id;
    return this.db.transaction().execute(async (tx) => {
      // The owner before anything of theirs, as deleteUser locks the user's row before it updates
      // their tokens: the other order deadlocks with it. A token whose owner is gone has no future.
      const owner = await this.#lockOwner(tx, replacement.ownerUserId);
      if (!owner) return 'retired';
      // The open reservations first, then the token: settling one locks its reservation, then the
      // token it refunds, and two transactions taking the two in opposite orders deadlock.
      await this.#traits
        .lockForUpdate(tx.selectFrom('credit_reservations').select('id').where('token_id', '=', oldId).where('state', '=', 'open').orderBy('id'))
        .execute();
      const result = await tx
        .updateTable('tokens')
        .set({
          revoked_at: revokeOldAt,
          updated_at: now,
        })
        .where('id', '=', oldId)
        .where('revoked_at', 'is', null)
        .where('updated_at', '=', old.updatedAt)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        const current = await tx.selectFrom('tokens').select('revoked_at').where('id', '=', oldId).executeTakeFirst();
        return current && current.revoked_at === null ? 'changed' : 'retired';
      }
      await withConflict('token', () =>
        tx
          .insertInto('tokens')
          .values(toRow({ ...replacement, ownerDisabledAt: owner.disabledAt }))
          .execute(),
      );
      if (replacement.credits !== null) {
        // The balance moves to the new secret as it stands now, so the two can never both spend it.
        await tx
          .updateTable('tokens')
          .set({ credits: (eb) => eb.selectFrom('tokens as old').select('old.credits').where('old.id', '=', oldId) })
          .where('id', '=', replacement.id)
          .execute();
        await tx.updateTable('tokens').set({ credits: 0n }).where('id', '=', oldId).execute();
      }
      // Refunds follow the token: an open reservation settled later refunds the replacement, not
      // the retired secret. Open rows are few, and the (state, expires_at) index finds them.
      await tx.updateTable('credit_reservations').set({ token_id: replacement.id }).where('token_id', '=', oldId).where('state', '=', 'open').execute();
      return 'rotated';
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('tokens').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Each use added to its token's row of uses, made on the first. A batch is one transaction;
   * the uses of a token deleted meanwhile are dropped (the join with tokens).
   */
  async recordUses(uses: readonly TokenUse[]): Promise<void> {
    if (uses.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (const [i, used] of this.#traits.usedRows(uses).entries()) {
        // Between statements the event loop serves what is waiting.
        if (i > 0) await turnEnd();
        await addUses(tx, used);
      }
    });
  }
}

/**
 * Adds the `(id, count, at)` rows of `used` to the tokens' uses: counts summed, the last-used
 * time only moved forward, rows in the order of the ids. `where true` keeps SQLite from reading
 * `on conflict` as the join's constraint.
 */
async function addUses(db: Kysely<Database>, used: RawBuilder<unknown>): Promise<void> {
  await sql`
    with used (id, n, at) as (${used})
    insert into token_uses (token_id, use_count, active_at)
    select used.id, used.n, used.at from used join tokens on tokens.id = used.id where true order by used.id
    on conflict (token_id) do update set
      use_count = token_uses.use_count + excluded.use_count,
      active_at = case when token_uses.active_at is null or token_uses.active_at < excluded.active_at then excluded.active_at else token_uses.active_at end`.execute(
    db,
  );
}

const COLUMN_OF: Record<keyof TokenPatch, keyof TokensTable> = {
  name: 'name',
  scopes: 'scopes',
  expiresAt: 'expires_at',
  metadata: 'metadata',
  ipAllowlist: 'ip_allowlist',
  environment: 'environment',
  projects: 'projects',
  creditsActive: 'credits_active',
  refill: 'refill',
  rateLimits: 'rate_limits',
};

export function toRow(t: TokenRecord): TokensTable {
  return {
    id: t.id,
    digest: t.digest,
    name: t.name,
    type: t.type,
    origin: t.origin,
    prefix: t.prefix,
    suffix: t.suffix,
    scopes: JSON.stringify(t.scopes),
    resource_kind: t.resource?.kind ?? null,
    resource_id: t.resource?.id ?? null,
    environment: t.environment,
    projects: JSON.stringify(t.projects),
    owner_user_id: t.ownerUserId,
    team_id: t.teamId,
    metadata: JSON.stringify(t.metadata),
    ip_allowlist: JSON.stringify(t.ipAllowlist),
    expires_at: t.expiresAt,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    revoked_at: t.revokedAt,
    leaked_at: t.leakedAt,
    leaked_url: t.leakedUrl,
    disabled_at: t.disabledAt,
    owner_disabled_at: t.ownerDisabledAt,
    parent_id: t.parentId,
    rotated_from_id: t.rotatedFromId,
    credits: t.credits,
    credits_active: t.creditsActive ? 1 : 0,
    credit_pool: t.creditPool,
    refill: t.refill && JSON.stringify({ ...t.refill, amount: t.refill.amount.toString() }),
    last_refill_at: t.lastRefillAt,
    rate_limits: JSON.stringify(t.rateLimits),
  };
}

function fromRow(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    digest: Buffer.from(r.digest),
    name: r.name,
    type: sharedString(r.type),
    origin: sharedString(r.origin),
    prefix: sharedString(r.prefix),
    suffix: r.suffix,
    scopes: sharedJson<readonly string[]>(r.scopes),
    resource: r.resource_kind !== null && r.resource_id !== null ? { kind: r.resource_kind, id: r.resource_id } : null,
    environment: r.environment,
    projects: sharedJson<readonly string[]>(r.projects),
    ownerUserId: r.owner_user_id,
    teamId: r.team_id,
    metadata: sharedJson<Readonly<Record<string, unknown>>>(r.metadata),
    ipAllowlist: sharedJson<readonly string[]>(r.ip_allowlist),
    expiresAt: millis(r.expires_at),
    createdAt: millis(r.created_at),
    updatedAt: millis(r.updated_at),
    activeAt: millis(r.active_at),
    useCount: Number(r.use_count),
    revokedAt: millis(r.revoked_at),
    leakedAt: millis(r.leaked_at),
    leakedUrl: r.leaked_url,
    disabledAt: millis(r.disabled_at),
    ownerDisabledAt: millis(r.owner_disabled_at),
    parentId: r.parent_id,
    rotatedFromId: r.rotated_from_id,
    credits: r.credits === null ? null : BigInt(r.credits),
    creditsActive: Number(r.credits_active) === 1,
    creditPool: r.credit_pool,
    refill: r.refill === null ? null : parseRefill(r.refill),
    lastRefillAt: millis(r.last_refill_at),
    rateLimits: sharedJson<readonly RateLimitRule[]>(r.rate_limits),
  };
}

function parseRefill(text: string): CreditRefill {
  const { amount, ...rest } = JSON.parse(text) as Omit<CreditRefill, 'amount'> & { amount: string };
  return { ...rest, amount: BigInt(amount) };
}

const ownerNotFound = () => new AppError('USER_NOT_FOUND', 'no such user: a token is stored only for an owner who exists');
