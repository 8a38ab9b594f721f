import type { Kysely, Selectable } from 'kysely';
import { EDGE_CONFIG_RESOURCE, type EdgeConfigRecord } from '../../core/vercel-edge-config.js';
import type { TokenRecord } from '../../core/token.js';
import type { EdgeConfigStore, EdgeConfigTokenInsert } from '../edge-config-store.js';
import { millis, withConflict } from './driver/conflicts.js';
import { traitsOf, type DialectTraits } from './driver/dialect.js';
import type { Database, EdgeConfigsTable, SqlDialect } from './schema.js';
import { SqlTokenStore } from './sql-token-store.js';

export class SqlEdgeConfigStore implements EdgeConfigStore {
  readonly #traits: DialectTraits;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialect,
  ) {
    this.#traits = traitsOf(dialect);
  }

  async insert(c: EdgeConfigRecord): Promise<void> {
    await withConflict('edge config', () =>
      this.db
        .insertInto('edge_configs')
        .values({
          id: c.id,
          slug: c.slug,
          owner_user_id: c.ownerUserId,
          team_id: c.teamId,
          items: JSON.stringify(c.items),
          digest: c.digest,
          created_at: c.createdAt,
          updated_at: c.updatedAt,
        })
        .execute(),
    );
  }

  async find(id: string): Promise<EdgeConfigRecord | undefined> {
    const row = await this.db.selectFrom('edge_configs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async replaceItems(id: string, expectedDigest: string, items: Record<string, unknown>, digest: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('edge_configs')
      .set({ items: JSON.stringify(items), digest, updated_at: now })
      .where('id', '=', id)
      .where('digest', '=', expectedDigest)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertToken(configId: string, token: TokenRecord, limit: number): Promise<EdgeConfigTokenInsert> {
    if (token.resource?.kind !== EDGE_CONFIG_RESOURCE || token.resource.id !== configId) {
      throw new Error(`insertToken: token ${token.id} is not a token of edge config ${configId}`);
    }
    const now = token.createdAt;
    return this.db.transaction().execute(async (tx) => {
      // Locked, the config's row queues every other insertToken for this config behind this
      // transaction (PostgreSQL; on SQLite the transaction holds the database's write lock).
      const config = await this.#traits.lockForUpdate(tx.selectFrom('edge_configs').select('id').where('id', '=', configId)).executeTakeFirst();
      if (!config) return 'missing-config';
      const live = tx
        .selectFrom('tokens')
        .where('resource_kind', '=', EDGE_CONFIG_RESOURCE)
        .where('resource_id', '=', configId)
        .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', now)]))
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
      if (await live.select('id').where('name', '=', token.name).limit(1).executeTakeFirst()) return 'duplicate-label';
      const { count } = await live.select((eb) => eb.fn.countAll<number | string | bigint>().as('count')).executeTakeFirstOrThrow();
      if (Number(count) >= limit) return 'limit';
      // In this dialect: the owner's row is locked as on any token's insert.
      await new SqlTokenStore(tx, this.dialect).insert(token);
      return 'inserted';
    });
  }
}

function fromRow(r: Selectable<EdgeConfigsTable>): EdgeConfigRecord {
  return {
    id: r.id,
    slug: r.slug,
    ownerUserId: r.owner_user_id,
    teamId: r.team_id,
    items: JSON.parse(r.items),
    digest: r.digest,
    createdAt: millis(r.created_at),
    updatedAt: millis(r.updated_at),
  };
}
