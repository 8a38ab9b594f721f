import type { Kysely, Selectable } from 'kysely';
import type { AuditAction, AuditEvent } from '../../core/audit.js';
import type { AuditListQuery, AuditStore } from '../audit-store.js';
import type { Page } from '../page.js';
import { millis } from './driver/conflicts.js';
import type { AuditEventsTable, Database } from './schema.js';

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: AuditEvent): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        id: e.id,
        at: e.at,
        action: e.action,
        actor_user_id: e.actorUserId,
        actor_token_id: e.actorTokenId,
        target_type: e.targetType,
        target_id: e.targetId,
        team_id: e.teamId,
        subject_user_id: e.subjectUserId,
        ip: e.ip,
        request_id: e.requestId,
        details: JSON.stringify(e.details),
      })
      .execute();
  }

  async list(query: AuditListQuery): Promise<Page<AuditEvent>> {
    const { teamId, involvingUserId: user, targetId, action, actorUserId, from, to, cursor, limit } = query;
    let select = this.db.selectFrom('audit_events').selectAll();
    if (teamId !== undefined) select = select.where('team_id', '=', teamId);
    if (user !== undefined) select = select.where((eb) => eb.or([eb('actor_user_id', '=', user), eb('subject_user_id', '=', user)]));
    if (targetId !== undefined) select = select.where('target_id', '=', targetId);
    if (action !== undefined) select = select.where('action', '=', action);
    if (actorUserId !== undefined) select = select.where('actor_user_id', '=', actorUserId);
    if (from !== undefined) select = select.where('at', '>=', from);
    if (to !== undefined) select = select.where('at', '<', to);
    if (cursor !== undefined) select = select.where('id', '<', cursor);
    const rows = await select
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(eventFrom);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }
}

function eventFrom(r: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: r.id,
    at: millis(r.at),
    action: r.action as AuditAction,
    actorUserId: r.actor_user_id,
    actorTokenId: r.actor_token_id,
    targetType: r.target_type as AuditEvent['targetType'],
    targetId: r.target_id,
    teamId: r.team_id,
    subjectUserId: r.subject_user_id,
    ip: r.ip,
    requestId: r.request_id,
    details: JSON.parse(r.details),
  };
}
