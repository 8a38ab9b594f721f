import type { Kysely, Selectable } from 'kysely';
import type { EdgeConfigRecord } from '../../core/edge-config.js';
import type { EdgeConfigStore } from '../edge-config-store.js';
import { millis, withConflict } from './conflicts.js';
import type { Database, EdgeConfigsTable } from './schema.js';

export class SqlEdgeConfigStore implements EdgeConfigStore {
  constructor(private readonly db: Kysely<Database>) {}

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
