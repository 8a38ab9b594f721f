import type { AuditAction, AuditEvent } from '../core/audit.js';
import type { Page, PageQuery } from './page.js';

export interface AuditListQuery extends PageQuery {
  teamId?: string;
  /** Only events this user did, or that were done to this user's objects. */
  involvingUserId?: string;
  targetId?: string;
  action?: AuditAction;
  /** Only events this user did. */
  actorUserId?: string;
  /** Only events at or after `from` and before `to` (ms since the epoch). */
  from?: number;
  to?: number;
}

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: AuditListQuery): Promise<Page<AuditEvent>>;
}
