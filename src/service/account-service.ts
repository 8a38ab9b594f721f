import type { MembershipRecord, TeamRecord, TeamRole, UserRecord, UserRole } from '../core/account.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AccountStore } from '../store/account-store.js';
import type { Page, PageQuery } from '../store/page.js';
import type { AccessPolicy, TeamAccess, TeamRef } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { CallContext, Principal } from './principal.js';
import type { Runtime } from './runtime.js';

export class AccountService {
  constructor(private readonly deps: { accounts: AccountStore; access: AccessPolicy; audit: AuditService; runtime: Runtime }) {}

  /** The caller's teams and roles; for a team-scoped token, that team alone. */
  async whoami(principal: Principal): Promise<{ teams: Array<{ team: TeamRecord; role: TeamRole }> }> {
    const scope = this.deps.access.teamScopeOf(principal);
    const page = await this.deps.accounts.listTeams({ memberId: principal.user.id, limit: 1000 });
    const teams = await Promise.all(
      page.items
        .filter((team) => scope === null || team.id === scope)
        .map(async (team) => ({ team, role: (await this.deps.accounts.findRole(team.id, principal.user.id))! })),
    );
    return { teams };
  }

  async createUser(ctx: CallContext, input: { name: string; email?: string; role?: UserRole }): Promise<UserRecord> {
    this.deps.access.requireAdmin(ctx.principal);
    const now = this.deps.runtime.now();
    const user = await this.deps.accounts.createUser({
      id: newId('usr', now, this.deps.runtime.randomBytes),
      name: input.name,
      email: input.email ?? null,
      role: input.role ?? 'member',
      createdAt: now,
    });
    await this.deps.audit.record(ctx, {
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      teamId: null,
      subjectUserId: user.id,
      details: { role: user.role },
    });
    return user;
  }

  async listUsers(principal: Principal, query: PageQuery): Promise<Page<UserRecord>> {
    this.deps.access.requireAdmin(principal);
    return this.deps.accounts.listUsers(query);
  }

  /** Any user may create a team and becomes its owner; not with a token limited to another team. */
  async createTeam(ctx: CallContext, input: { slug: string; name?: string }): Promise<TeamRecord> {
    if (this.deps.access.teamScopeOf(ctx.principal) !== null) throw new AppError('FORBIDDEN', 'a token limited to a team cannot create teams');
    const now = this.deps.runtime.now();
    const team: TeamRecord = {
      id: newId('team', now, this.deps.runtime.randomBytes),
      slug: input.slug,
      name: input.name ?? input.slug,
      createdAt: now,
    };
    await this.deps.accounts.createTeam(team, { teamId: team.id, userId: ctx.principal.user.id, role: 'owner', createdAt: now });
    await this.deps.audit.record(ctx, {
      action: 'team.create',
      targetType: 'team',
      targetId: team.id,
      teamId: team.id,
      subjectUserId: null,
      details: { slug: team.slug },
    });
    return team;
  }

  /** Admins see all teams; others the teams they belong to; a team-scoped token its team. */
  async listTeams(principal: Principal, query: PageQuery): Promise<Page<TeamRecord>> {
    const scope = this.deps.access.teamScopeOf(principal);
    if (scope !== null) {
      const { team } = await this.deps.access.team(principal, { id: scope });
      return { items: query.cursor === undefined || team.id < query.cursor ? [team] : [], nextCursor: null };
    }
    const memberId = this.deps.access.isAdmin(principal) ? undefined : principal.user.id;
    return this.deps.accounts.listTeams({ ...query, memberId });
  }

  /** A team and its members with their names (whoever may read the team may know who is in it). */
  async getTeam(principal: Principal, ref: TeamRef): Promise<{ team: TeamRecord; members: Array<MembershipRecord & { name: string | null }> }> {
    const { team } = await this.deps.access.team(principal, ref);
    const members = await this.deps.accounts.listMembers(team.id);
    return { team, members: await Promise.all(members.map(async (m) => ({ ...m, name: (await this.deps.accounts.findUser(m.userId))?.name ?? null }))) };
  }

  /** Team owners (and admins) add members. */
  async addMember(ctx: CallContext, ref: TeamRef, input: { userId: string; role?: TeamRole }): Promise<MembershipRecord> {
    const access = await this.deps.access.team(ctx.principal, ref);
    if (access.role !== 'owner') throw new AppError('FORBIDDEN', 'only a team owner may add members');
    const user = await this.deps.accounts.findUser(input.userId);
    if (!user) throw new AppError('USER_NOT_FOUND', 'no such user');
    const membership: MembershipRecord = {
      teamId: access.team.id,
      userId: user.id,
      role: input.role ?? 'member',
      createdAt: this.deps.runtime.now(),
    };
    await this.deps.accounts.addMember(membership);
    await this.deps.audit.record(ctx, {
      action: 'team.member.add',
      targetType: 'team',
      targetId: access.team.id,
      teamId: access.team.id,
      subjectUserId: user.id,
      details: { userId: user.id, role: membership.role },
    });
    return membership;
  }

  /**
   * Team owners (and admins) remove a member: from the next request on, they hold none of the
   * team's rights (roles are read from the store on every call; nothing caches them). Their
   * personal tokens stay theirs. Refused (LAST_TEAM_OWNER) for the team's only owner.
   */
  async removeMember(ctx: CallContext, ref: TeamRef, userId: string): Promise<void> {
    const access = await this.#owned(ctx, ref, 'remove members');
    const role = await this.deps.accounts.findRole(access.team.id, userId);
    if (!(await this.deps.accounts.removeMember(access.team.id, userId))) throw new AppError('MEMBER_NOT_FOUND', 'no such member of this team');
    await this.deps.audit.record(ctx, {
      action: 'team.member.remove',
      targetType: 'team',
      targetId: access.team.id,
      teamId: access.team.id,
      subjectUserId: userId,
      details: { userId, role },
    });
  }

  /** Team owners (and admins) change a member's role; never so that the team is left without an owner. */
  async updateMember(ctx: CallContext, ref: TeamRef, userId: string, input: { role: TeamRole }): Promise<MembershipRecord> {
    const access = await this.#owned(ctx, ref, 'change roles');
    const before = await this.deps.accounts.findRole(access.team.id, userId);
    const membership = await this.deps.accounts.setMemberRole(access.team.id, userId, input.role);
    if (!membership) throw new AppError('MEMBER_NOT_FOUND', 'no such member of this team');
    if (before !== input.role) {
      await this.deps.audit.record(ctx, {
        action: 'team.member.update',
        targetType: 'team',
        targetId: access.team.id,
        teamId: access.team.id,
        subjectUserId: userId,
        details: { userId, role: input.role, from: before ?? null },
      });
    }
    return membership;
  }

  async #owned(ctx: CallContext, ref: TeamRef, what: string): Promise<TeamAccess> {
    const access = await this.deps.access.team(ctx.principal, ref);
    if (access.role !== 'owner') throw new AppError('FORBIDDEN', `only a team owner may ${what}`);
    return access;
  }
}
