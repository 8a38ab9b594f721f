import { teamRoleCanWrite, type TeamRecord, type TeamRole } from '../core/account.js';
import { AppError } from '../core/errors.js';
import type { TokenRecord } from '../core/token.js';
import type { AccountStore } from '../store/account-store.js';
import type { Principal } from './principal.js';

export type TeamRef = { id: string } | { slug: string };

export interface TeamAccess {
  team: TeamRecord;
  /** Admins who are not members act as owners. */
  role: TeamRole;
}

/** Who may act on which team and token. Refusals are AppErrors the HTTP layer maps to 403/404. */
export class AccessPolicy {
  constructor(private readonly accounts: AccountStore) {}

  requireAdmin(principal: Principal): void {
    if (principal.user.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin may do this');
  }

  /** The team a call acts for; the caller must belong to it (or be an admin). */
  async team(principal: Principal, ref: TeamRef): Promise<TeamAccess> {
    const team = await this.accounts.findTeam(ref);
    const role = team && (await this.accounts.findRole(team.id, principal.user.id));
    if (team && role) return { team, role };
    if (team && principal.user.role === 'admin') return { team, role: 'owner' };
    // Non-members learn nothing about whether the team exists.
    throw new AppError('FORBIDDEN', 'you are not a member of this team');
  }

  async writableTeam(principal: Principal, ref: TeamRef): Promise<TeamAccess> {
    const access = await this.team(principal, ref);
    if (!teamRoleCanWrite(access.role)) throw new AppError('FORBIDDEN', `a team ${access.role} cannot change tokens`);
    return access;
  }

  /** Throws TOKEN_NOT_FOUND for tokens the caller may not see, so ids cannot be probed. */
  async readableToken(principal: Principal, token: TokenRecord | undefined): Promise<TokenRecord> {
    if (token && (await this.roleOn(principal, token)) !== undefined) return token;
    throw new AppError('TOKEN_NOT_FOUND', 'no such token');
  }

  async writableToken(principal: Principal, token: TokenRecord | undefined): Promise<TokenRecord> {
    const visible = await this.readableToken(principal, token);
    const role = await this.roleOn(principal, visible);
    if (role !== undefined && !teamRoleCanWrite(role)) {
      throw new AppError('FORBIDDEN', `a team ${role} cannot change tokens`);
    }
    return visible;
  }

  /** The caller's role on an object that belongs to a user or a team; undefined when it is not theirs. */
  async roleOn(principal: Principal, owned: { ownerUserId: string; teamId: string | null }): Promise<TeamRole | undefined> {
    if (principal.user.role === 'admin') return 'owner';
    if (owned.teamId === null) return owned.ownerUserId === principal.user.id ? 'owner' : undefined;
    return this.accounts.findRole(owned.teamId, principal.user.id);
  }
}
