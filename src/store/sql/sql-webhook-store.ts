import { sql, type Kysely } from 'kysely';
import type { EventType } from '../../core/events.js';
import type { WebhookRecord, WebhookScope, WebhookStatus } from '../../core/webhook.js';
import type { Page } from '../page.js';
import type { WebhookOwnerFilter, WebhookPatch, WebhookStore } from '../webhook-store.js';
import { millis, withConflict } from './driver/conflicts.js';
import type { Database, WebhooksTable } from './schema.js';

export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(w: WebhookRecord): Promise<void> {
    await withConflict('the webhook', () => this.db.insertInto('webhooks').values(rowOf(w)).execute());
  }

  async find(id: string): Promise<WebhookRecord | undefined> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row && recordOf(row);
  }

  async list(filter: WebhookOwnerFilter, page: { limit: number; cursor?: string }): Promise<Page<WebhookRecord>> {
    let query = this.db.selectFrom('webhooks').selectAll();
    if ('teamId' in filter) query = query.where('scope', '=', 'team').where('team_id', '=', filter.teamId);
    else if ('ownerUserId' in filter) query = query.where('scope', '=', 'user').where('owner_user_id', '=', filter.ownerUserId);
    else query = query.where('scope', '=', 'installation');
    if (page.cursor !== undefined) query = query.where('id', '<', page.cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(recordOf);
    return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }

  async listListening(): Promise<WebhookRecord[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('status', '!=', 'disabled').execute();
    return rows.map(recordOf);
  }

  async update(id: string, patch: WebhookPatch, now: number): Promise<WebhookRecord | undefined> {
    const set: Partial<WebhooksTable> = { updated_at: now };
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.events !== undefined) set.events = JSON.stringify(patch.events);
    if (patch.expiringDays !== undefined) set.expiring_days = patch.expiringDays;
    if (patch.creditsLowThreshold !== undefined) set.credits_low_threshold = patch.creditsLowThreshold?.toString() ?? null;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.status === 'active') Object.assign(set, { consecutive_failures: 0, failing_since: null });
    await this.db.updateTable('webhooks').set(set).where('id', '=', id).execute();
    return this.find(id);
  }

  async rotateSecret(id: string, previousUntil: number, now: number): Promise<WebhookRecord | undefined> {
    await this.db
      .updateTable('webhooks')
      .set({ secret_version: sql`secret_version + 1`, previous_secret_until: previousUntil, updated_at: now })
      .where('id', '=', id)
      .execute();
    return this.find(id);
  }

  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
      await tx.deleteFrom('webhook_notices').where('webhook_id', '=', id).execute();
      const result = await tx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  async recordAttempt(id: string, ok: boolean, now: number): Promise<WebhookRecord | undefined> {
    // One statement each: attempts ending on several nodes at once all count.
    const set = ok
      ? { consecutive_failures: 0, failing_since: null }
      : { consecutive_failures: sql<number>`consecutive_failures + 1`, failing_since: sql<number>`coalesce(failing_since, ${now})` };
    await this.db.updateTable('webhooks').set(set).where('id', '=', id).execute();
    return this.find(id);
  }

  async pause(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('webhooks')
      .set({ status: 'paused', updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async claimNotice(webhookId: string, kind: string, subject: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('webhook_notices')
      .values({ webhook_id: webhookId, kind, subject, created_at: now })
      .onConflict((c) => c.columns(['webhook_id', 'kind', 'subject']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}

function rowOf(w: WebhookRecord): WebhooksTable {
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    events: JSON.stringify(w.events),
    scope: w.scope,
    owner_user_id: w.ownerUserId,
    team_id: w.teamId,
    status: w.status,
    secret_version: w.secretVersion,
    previous_secret_until: w.previousSecretUntil,
    expiring_days: w.expiringDays,
    credits_low_threshold: w.creditsLowThreshold === null ? null : w.creditsLowThreshold.toString(),
    consecutive_failures: w.consecutiveFailures,
    failing_since: w.failingSince,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  };
}

function recordOf(row: WebhooksTable): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as EventType[],
    scope: row.scope as WebhookScope,
    ownerUserId: row.owner_user_id,
    teamId: row.team_id,
    status: row.status as WebhookStatus,
    secretVersion: Number(row.secret_version),
    previousSecretUntil: millis(row.previous_secret_until),
    expiringDays: Number(row.expiring_days),
    creditsLowThreshold: row.credits_low_threshold === null ? null : BigInt(row.credits_low_threshold),
    consecutiveFailures: Number(row.consecutive_failures),
    failingSince: millis(row.failing_since),
    createdAt: millis(row.created_at),
    updatedAt: millis(row.updated_at),
  };
}
