import { teamRoleCanWrite, type TeamRecord, type TeamRole } from '../core/account.js';
import { EDGE_CONFIG_RESOURCE } from '../core/vercel-edge-config.js';
import { AppError } from '../core/errors.js';
import { grantsScope, type ManagementScope } from '../core/management-scopes.js';
import type { TokenRecord } from '../core/token.js';
import type { AccountStore } from '../store/account-store.js';
import type { ChangeOwner } from '../store/change-log-store.js';
import type { EdgeConfigStore } from '../store/edge-config-store.js';
import type { Principal } from './principal.js';

export type TeamRef = { id: string } | { slug: string };

export interface TeamAccess {
  team: TeamRecord;
  /** Admins who are not members act as owners. */
  role: TeamRole;
}

/** Something that belongs to a user, or to a team (and was made by a user). */
export interface Owned {
  ownerUserId: string;
  teamId: string | null;
}

/**
 * Whose tokens an in-process verifier may hold and hear of: every team's and user's (an admin
 * not limited to a team), one team's, or one user's own outside any team. Never personal tokens.
 */
export type VerifierAudience = { kind: 'all' } | { kind: 'team'; teamId: string } | { kind: 'user'; userId: string };

/**
 * Whether a verifier of `audience` hears of a change to a token of `owner`. A change whose owner
 * the log does not know (logged before it recorded owners) goes to every verifier: it carries a
 * digest only, and a verifier that missed a revocation would keep accepting the token.
 */
export function audienceSees(audience: VerifierAudience, owner: ChangeOwner | null): boolean {
  if (owner === null) return true;
  if (owner.type === 'personal') return false;
  switch (audience.kind) {
    case 'all':
      return true;
    case 'team':
      return owner.teamId === audience.teamId;
    case 'user':
      return owner.teamId === null && owner.ownerUserId === audience.userId;
  }
}

/**
 * Who may act on which team, token and owned object: the one place these rules live. Refusals
 * are AppErrors the HTTP layer maps to 403/404. test/http/authorization-matrix.test.ts holds
 * every route to them.
 *
 * - An admin may do everything; a member, what is theirs and what their team roles allow.
 * - A personal token is a credential of its owner alone: only its owner (or an admin) may see
 *   or change it, whatever team it names. Team roles reach `api`, `resource` and other tokens.
 * - A token naming a resource tessera keeps (an Edge Config) belongs where the resource does:
 *   whoever may change the resource manages every token that reads it.
 * - A team-scoped personal token (one with a `teamId`) acts within that team only, even an
 *   admin's: other teams and everything outside a team are out of its reach.
 * - The token's management scopes bound all of this further (requireScope).
 */
export class AccessPolicy {
  constructor(private readonly deps: { accounts: AccountStore; edgeConfigs: EdgeConfigStore }) {}

  /** The team a team-scoped token is limited to; null for one that may act anywhere its user may. */
  teamScopeOf(principal: Principal): string | null {
    return principal.token.teamId;
  }

  requireScope(principal: Principal, scope: ManagementScope): void {
    if (!grantsScope(principal.token.scopes, scope)) throw new AppError('FORBIDDEN', `this token lacks the scope ${scope}`);
  }

  /** Everything-wide powers: an admin's token that is not limited to a team. */
  requireAdmin(principal: Principal): void {
    if (principal.user.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin may do this');
    if (this.teamScopeOf(principal) !== null) throw new AppError('FORBIDDEN', 'a token limited to a team cannot do this');
  }

  /** Whether the caller acts for everyone: an admin whose token is not limited to a team. */
  isAdmin(principal: Principal): boolean {
    return principal.user.role === 'admin' && this.teamScopeOf(principal) === null;
  }

  /** The team a call acts for; the caller must belong to it (or be an admin), and a team-scoped token must name its own. */
  async team(principal: Principal, ref: TeamRef): Promise<TeamAccess> {
    const team = await this.deps.accounts.findTeam(ref);
    const scope = this.teamScopeOf(principal);
    if (team && (scope === null || scope === team.id)) {
      const role = await this.deps.accounts.findRole(team.id, principal.user.id);
      if (role) return { team, role };
      if (principal.user.role === 'admin') return { team, role: 'owner' };
    }
    // Non-members learn nothing about whether the team exists.
    throw new AppError('FORBIDDEN', 'you are not a member of this team');
  }

  async writableTeam(principal: Principal, ref: TeamRef): Promise<TeamAccess> {
    const access = await this.team(principal, ref);
    if (!teamRoleCanWrite(access.role)) throw new AppError('FORBIDDEN', `a team ${access.role} cannot change tokens`);
    return access;
  }

  /**
   * The team a call acts for when it names one, else the team a team-scoped token is limited
   * to (so such a token needs no `?teamId=`), else none: the caller's own objects.
   */
  async actingTeam(principal: Principal, ref: TeamRef | undefined, need: 'read' | 'write'): Promise<TeamAccess | undefined> {
    const scope = this.teamScopeOf(principal);
    const wanted = ref ?? (scope === null ? undefined : { id: scope });
    if (!wanted) return undefined;
    return need === 'write' ? this.writableTeam(principal, wanted) : this.team(principal, wanted);
  }

  /**
   * Whose tokens a verifier of this caller holds: the team it names (or its token is limited to),
   * which it must be able to read; else everyone's for an admin; else the caller's own outside any
   * team. The same tokens as the caller's listings show, personal tokens left out.
   */
  async verifierAudience(principal: Principal, ref: TeamRef | undefined): Promise<VerifierAudience> {
    const access = await this.actingTeam(principal, ref, 'read');
    if (access) return { kind: 'team', teamId: access.team.id };
    return this.isAdmin(principal) ? { kind: 'all' } : { kind: 'user', userId: principal.user.id };
  }

  /** Throws TOKEN_NOT_FOUND for tokens the caller may not see, so ids cannot be probed. */
  async readableToken(principal: Principal, token: TokenRecord | undefined): Promise<TokenRecord> {
    if (token && (await this.tokenRole(principal, token)) !== undefined) return token;
    throw new AppError('TOKEN_NOT_FOUND', 'no such token');
  }

  async writableToken(principal: Principal, token: TokenRecord | undefined): Promise<TokenRecord> {
    const visible = await this.readableToken(principal, token);
    const role = await this.tokenRole(principal, visible);
    if (role !== undefined && !teamRoleCanWrite(role)) throw new AppError('FORBIDDEN', `a team ${role} cannot change tokens`);
    // Changing what reads a resource is changing the resource, whichever API is asked.
    if (visible.resource?.kind === EDGE_CONFIG_RESOURCE) this.requireScope(principal, 'edge-configs:write');
    return visible;
  }

  /** The caller's role on a token; undefined when they may not see it. */
  async tokenRole(principal: Principal, token: TokenRecord): Promise<TeamRole | undefined> {
    if (token.type === 'personal') {
      const scope = this.teamScopeOf(principal);
      if (scope !== null && token.teamId !== scope) return undefined;
      return principal.user.role === 'admin' || token.ownerUserId === principal.user.id ? 'owner' : undefined;
    }
    return this.roleOn(principal, await this.ownerOf(token));
  }

  /** The caller's role on an object that belongs to a user or a team; undefined when it is not theirs. */
  async roleOn(principal: Principal, owned: Owned): Promise<TeamRole | undefined> {
    const scope = this.teamScopeOf(principal);
    if (scope !== null && owned.teamId !== scope) return undefined;
    if (principal.user.role === 'admin') return 'owner';
    if (owned.teamId === null) return owned.ownerUserId === principal.user.id ? 'owner' : undefined;
    return this.deps.accounts.findRole(owned.teamId, principal.user.id);
  }

  /** A token for a resource tessera keeps belongs where the resource does; any other token to its own owner and team. */
  async ownerOf(token: TokenRecord): Promise<Owned> {
    if (token.resource?.kind === EDGE_CONFIG_RESOURCE) {
      const config = await this.deps.edgeConfigs.find(token.resource.id);
      if (config) return config;
    }
    return token;
  }
}
