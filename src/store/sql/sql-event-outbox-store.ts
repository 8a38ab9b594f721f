import { sql, type ExpressionBuilder, type Kysely, type Selectable } from 'kysely';
import type { EventType } from '../../core/events.js';
import type { AttemptOutcome, ClaimedDelivery, DeliveryRecord, DeliveryStatus, EventOutboxStore, LoggedEvent, OutgoingEvent } from '../event-outbox-store.js';
import type { Page } from '../page.js';
import { millis } from './driver/conflicts.js';
import type { Database, WebhookDeliveriesTable, WebhookEventsTable } from './schema.js';

export class SqlEventOutboxStore implements EventOutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(events: readonly OutgoingEvent[], at: number): Promise<LoggedEvent[]> {
    if (events.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      // The counter row stays locked until commit, as the change log's: numbers commit in order.
      const { seq } = await tx
        .updateTable('webhook_event_sequence')
        .set({ seq: sql`seq + ${events.length}` })
        .where('id', '=', 1)
        .returning('seq')
        .executeTakeFirstOrThrow();
      const first = Number(seq) - events.length + 1;
      const logged = events.map(({ event }, i): LoggedEvent => ({ ...event, seq: first + i, at }));
      await tx
        .insertInto('webhook_events')
        .values(
          logged.map((e) => ({
            seq: e.seq,
            id: e.id,
            type: e.type,
            subject: e.subject,
            team_id: e.teamId,
            owner_user_id: e.ownerUserId,
            // A bigint (credits) is kept as its decimal text: JSON has no integers past 2^53.
            data: JSON.stringify(e.data, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
            created_at: at,
          })),
        )
        .execute();
      const deliveries = events.flatMap(({ deliveries }, i) => deliveries.map((d) => deliveryRow(d.id, d.webhookId, logged[i]!, at)));
      if (deliveries.length > 0) await tx.insertInto('webhook_deliveries').values(deliveries).execute();
      return logged;
    });
  }

  async since(seq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db.selectFrom('webhook_events').selectAll().where('seq', '>', seq).orderBy('seq').limit(limit).execute();
    return rows.map(eventOf);
  }

  async due(now: number, limit: number): Promise<ClaimedDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries as d')
      .where((eb) => claimable(eb, now))
      .innerJoin('webhook_events as ev', 'ev.seq', 'd.event_seq')
      .selectAll('d')
      .select(['ev.type', 'ev.team_id', 'ev.owner_user_id', 'ev.data', 'ev.created_at as event_at'])
      .orderBy('d.event_seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      delivery: deliveryOf(row),
      event: eventOf({
        seq: row.event_seq,
        id: row.event_id,
        type: row.type,
        subject: row.subject,
        team_id: row.team_id,
        owner_user_id: row.owner_user_id,
        data: row.data,
        created_at: row.event_at,
      }),
    }));
  }

  async take(candidate: ClaimedDelivery, owner: string, now: number, leaseMs: number): Promise<ClaimedDelivery | undefined> {
    // Guarded by all that made it due, not by the lease alone: between this node's read and this update
    // another may have attempted it and set a retry, or the webhook been paused. Of the nodes that read
    // it as due, exactly one changes it, and the attempt is counted from the row it changed.
    const row = await this.db
      .updateTable('webhook_deliveries as d')
      .set({
        lease_until: now + leaseMs,
        lease_owner: owner,
        attempts: sql`attempts + 1`,
        first_attempt_at: sql`coalesce(first_attempt_at, ${now})`,
        last_attempt_at: now,
      })
      .where('d.id', '=', candidate.delivery.id)
      .where((eb) => claimable(eb, now))
      .returningAll()
      .executeTakeFirst();
    return row && { delivery: deliveryOf(row), event: candidate.event };
  }

  async complete(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean> {
    const status: DeliveryStatus = outcome.ok ? 'succeeded' : outcome.retryAt === null ? 'failed' : 'pending';
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({
        status,
        next_attempt_at: status === 'pending' ? outcome.retryAt : null,
        lease_until: null,
        lease_owner: null,
        last_status_code: outcome.statusCode,
        last_error: outcome.error,
        delivered_at: outcome.ok ? outcome.at : null,
      })
      .where('id', '=', deliveryId)
      .where('status', '=', 'pending')
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findDelivery(webhookId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).where('webhook_id', '=', webhookId).executeTakeFirst();
    return row && deliveryOf(row);
  }

  async listDeliveries(webhookId: string, page: { limit: number; cursor?: string }): Promise<Page<DeliveryRecord>> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (page.cursor !== undefined) query = query.where('id', '<', page.cursor);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const items = rows.slice(0, page.limit).map(deliveryOf);
    return { items, nextCursor: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }

  async redeliver(webhookId: string, deliveryId: string, id: string, now: number): Promise<DeliveryRecord | undefined> {
    const source = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as ev', 'ev.seq', 'd.event_seq')
      .selectAll('ev')
      .where('d.id', '=', deliveryId)
      .where('d.webhook_id', '=', webhookId)
      .executeTakeFirst();
    if (!source) return undefined;
    const row = deliveryRow(id, webhookId, eventOf(source), now);
    await this.db.insertInto('webhook_deliveries').values(row).execute();
    return deliveryOf(row);
  }

  async resume(webhookId: string, now: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: now })
      .where('webhook_id', '=', webhookId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '>', now)
      .execute();
  }

  async prune(before: number): Promise<number> {
    const deliveries = await this.db.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('created_at', '<', before).executeTakeFirst();
    // A publish reads the listeners before its append: a webhook deleted in between (deleting its
    // deliveries) gets one after all. Never claimed, never final, it goes here, whatever its age.
    const orphans = await this.db
      .deleteFrom('webhook_deliveries')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('webhooks as w').select('w.id').whereRef('w.id', '=', 'webhook_deliveries.webhook_id'))))
      .executeTakeFirst();
    const { seq } = await this.db.selectFrom('webhook_event_sequence').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
    const events = await this.db
      .deleteFrom('webhook_events')
      .where('created_at', '<', before)
      .where('seq', '<', Number(seq))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_seq', '=', 'webhook_events.seq'))))
      .executeTakeFirst();
    return Number(deliveries.numDeletedRows) + Number(orphans.numDeletedRows) + Number(events.numDeletedRows);
  }
}

/**
 * Delivery `d` may be attempted at `now`: pending, due, not leased, its webhook active, and nothing
 * earlier of its subject to its webhook pending (in order per subject). The read of candidates and
 * the update that takes one both ask it, so a stale read takes nothing that has stopped being due.
 */
function claimable(eb: ExpressionBuilder<Database & { d: WebhookDeliveriesTable }, 'd'>, now: number) {
  return eb.and([
    eb('d.status', '=', 'pending'),
    eb('d.next_attempt_at', '<=', now),
    eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]),
    eb.exists(eb.selectFrom('webhooks as w').select('w.id').whereRef('w.id', '=', 'd.webhook_id').where('w.status', '=', 'active')),
    eb.not(
      eb.exists(
        eb
          .selectFrom('webhook_deliveries as e')
          .select('e.id')
          .whereRef('e.webhook_id', '=', 'd.webhook_id')
          .whereRef('e.subject', '=', 'd.subject')
          .where('e.status', '=', 'pending')
          .where((inner) =>
            inner.or([
              inner('e.event_seq', '<', inner.ref('d.event_seq')),
              inner.and([inner('e.event_seq', '=', inner.ref('d.event_seq')), inner('e.id', '<', inner.ref('d.id'))]),
            ]),
          ),
      ),
    ),
  ]);
}

function deliveryRow(id: string, webhookId: string, event: LoggedEvent, now: number): WebhookDeliveriesTable {
  return {
    id,
    webhook_id: webhookId,
    event_seq: event.seq,
    event_id: event.id,
    event_type: event.type,
    subject: event.subject,
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    lease_owner: null,
    first_attempt_at: null,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}

function eventOf(row: Selectable<WebhookEventsTable>): LoggedEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type as EventType,
    subject: row.subject,
    teamId: row.team_id,
    ownerUserId: row.owner_user_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
    at: millis(row.created_at),
  };
}

function deliveryOf(row: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventSeq: Number(row.event_seq),
    eventId: row.event_id,
    eventType: row.event_type as EventType,
    subject: row.subject,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAt: millis(row.next_attempt_at),
    leaseUntil: millis(row.lease_until),
    firstAttemptAt: millis(row.first_attempt_at),
    lastAttemptAt: millis(row.last_attempt_at),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    createdAt: millis(row.created_at),
    deliveredAt: millis(row.delivered_at),
  };
}
