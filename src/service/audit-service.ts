import type { AuditAction, AuditEvent } from '../core/audit.js';
import { newId } from '../core/ids.js';
import type { TokenRecord } from '../core/token.js';
import type { AuditStore } from '../store/audit-store.js';
import type { Page } from '../store/page.js';
import type { AccessPolicy, TeamRef } from './access-policy.js';
import type { CallContext, Principal } from './principal.js';
import type { Runtime } from './runtime.js';

export interface AuditEntry {
  action: AuditAction;
  targetType: AuditEvent['targetType'];
  targetId: string;
  teamId: string | null;
  subjectUserId: string | null;
  details?: Record<string, unknown>;
}

/** Where an event about a token is filed. A personal token is no team's object, whatever team it names: its events are its owner's alone. */
export function tokenAuditTarget(token: TokenRecord) {
  return { targetType: 'token' as const, targetId: token.id, teamId: token.type === 'personal' ? null : token.teamId, subjectUserId: token.ownerUserId };
}

export class AuditService {
  constructor(private readonly deps: { audit: AuditStore; access: AccessPolicy; runtime: Runtime }) {}

  async record(ctx: CallContext | null, entry: AuditEntry): Promise<void> {
    await this.deps.audit.append({
      id: newId('evt', this.deps.runtime.now(), this.deps.runtime.randomBytes),
      at: this.deps.runtime.now(),
      actorUserId: ctx?.principal.user.id ?? null,
      actorTokenId: ctx?.principal.token.id ?? null,
      ip: ctx?.ip ?? null,
      requestId: ctx?.requestId ?? null,
      details: {},
      ...entry,
    });
  }

  /**
   * Admins see everything; others see a team they belong to, or what they did and what was done
   * to their objects; a team-scoped token sees its team's.
   */
  async list(
    principal: Principal,
    query: { team?: TeamRef; targetId?: string; action?: AuditAction; limit: number; cursor?: string },
  ): Promise<Page<AuditEvent>> {
    const { team, ...rest } = query;
    const access = await this.deps.access.actingTeam(principal, team, 'read');
    if (access) return this.deps.audit.list({ ...rest, teamId: access.team.id });
    const involvingUserId = this.deps.access.isAdmin(principal) ? undefined : principal.user.id;
    return this.deps.audit.list({ ...rest, involvingUserId });
  }
}
