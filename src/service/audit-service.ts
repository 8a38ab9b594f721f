import type { AuditAction, AuditEvent } from '../core/audit.js';
import { newId } from '../core/ids.js';
import type { TokenRecord } from '../core/token.js';
import type { AccountStore } from '../store/account-store.js';
import type { AuditStore } from '../store/audit-store.js';
import type { TokenStore } from '../store/token-store.js';
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

/** An event with the names a person reads: who did it, what it was done to, and whose it was (null when gone or unnamed). */
export interface NamedAuditEvent extends AuditEvent {
  actorName: string | null;
  targetName: string | null;
  subjectName: string | null;
}

export class AuditService {
  constructor(private readonly deps: { audit: AuditStore; access: AccessPolicy; runtime: Runtime; accounts: AccountStore; tokens: TokenStore }) {}

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
    query: { team?: TeamRef; targetId?: string; action?: AuditAction; actorUserId?: string; from?: number; to?: number; limit: number; cursor?: string },
  ): Promise<Page<NamedAuditEvent>> {
    const { team, ...rest } = query;
    const access = await this.deps.access.actingTeam(principal, team, 'read');
    const involvingUserId = access || this.deps.access.isAdmin(principal) ? undefined : principal.user.id;
    const page = await this.deps.audit.list(access ? { ...rest, teamId: access.team.id } : { ...rest, involvingUserId });
    return { items: await this.#named(page.items), nextCursor: page.nextCursor };
  }

  /**
   * The names of the users, teams and tokens a page of events the caller may see mentions, looked
   * up once each: the people who made the changes and the objects changed are part of the record
   * the caller may read. A deleted token keeps the name its events recorded.
   */
  async #named(events: AuditEvent[]): Promise<NamedAuditEvent[]> {
    const cache = new Map<string, Promise<string | null>>();
    const nameOf = (id: string | null): Promise<string | null> => {
      if (id === null) return Promise.resolve(null);
      let name = cache.get(id);
      if (!name) {
        name = this.#lookUp(id);
        cache.set(id, name);
      }
      return name;
    };
    return Promise.all(
      events.map(async (event) => {
        const [actorName, targetName, subjectName] = await Promise.all([nameOf(event.actorUserId), nameOf(event.targetId), nameOf(event.subjectUserId)]);
        return { ...event, actorName, targetName, subjectName };
      }),
    );
  }

  async #lookUp(id: string): Promise<string | null> {
    if (id.startsWith('usr_')) {
      const user = await this.deps.accounts.findUser(id);
      if (user) return user.name;
      // Deleted: its deletion recorded the name.
      const { items } = await this.deps.audit.list({ targetId: id, action: 'user.delete', limit: 1 });
      return typeof items[0]?.details.name === 'string' ? items[0].details.name : null;
    }
    if (id.startsWith('team_')) return (await this.deps.accounts.findTeam({ id }))?.name ?? null;
    if (id.startsWith('tok_')) {
      const token = await this.deps.tokens.findById(id);
      if (token) return token.name;
      // Deleted: its deletion (or creation) recorded the name.
      const { items } = await this.deps.audit.list({ targetId: id, limit: 20 });
      const recorded = items.find((e) => typeof e.details.name === 'string');
      return recorded ? (recorded.details.name as string) : null;
    }
    return null;
  }
}
