import type { AuditEvent } from '../../core/audit.js';
import type { AuditListQuery, AuditStore } from '../audit-store.js';
import type { Page } from '../page.js';
import { paginate } from './paginate.js';

export class MemoryAuditStore implements AuditStore {
  readonly #events: AuditEvent[] = [];

  async append(event: AuditEvent): Promise<void> {
    this.#events.push(structuredClone(event));
  }

  async list(query: AuditListQuery): Promise<Page<AuditEvent>> {
    const { teamId, involvingUserId: user, targetId, action, actorUserId, from, to } = query;
    const matching = this.#events.filter(
      (e) =>
        (teamId === undefined || e.teamId === teamId) &&
        (user === undefined || e.actorUserId === user || e.subjectUserId === user) &&
        (targetId === undefined || e.targetId === targetId) &&
        (action === undefined || e.action === action) &&
        (actorUserId === undefined || e.actorUserId === actorUserId) &&
        (from === undefined || e.at >= from) &&
        (to === undefined || e.at < to),
    );
    return paginate(
      matching.map((e) => structuredClone(e)),
      query,
    );
  }
}
