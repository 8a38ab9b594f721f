import { type MembershipRecord, type TeamRecord, type TeamRole, type UserRecord } from '../../core/account.js';
import { AppError } from '../../core/errors.js';
import type { AccountStore } from '../account-store.js';
import type { Page, PageQuery } from '../page.js';
import { paginate } from './paginate.js';

export class MemoryAccountStore implements AccountStore {
  readonly #users = new Map<string, UserRecord>();
  readonly #teams = new Map<string, TeamRecord>();
  readonly #members = new Map<string, MembershipRecord>();
  #nextNumId = 1;

  async createUser(user: Omit<UserRecord, 'numId' | 'disabledAt'>): Promise<UserRecord> {
    const emailTaken = user.email !== null && [...this.#users.values()].some((u) => u.email === user.email);
    if (this.#users.has(user.id) || emailTaken) throw new AppError('CONFLICT', 'user exists');
    const created: UserRecord = { ...user, numId: this.#nextNumId++, disabledAt: null };
    this.#users.set(user.id, created);
    return { ...created };
  }

  async findUser(id: string): Promise<UserRecord | undefined> {
    const user = this.#users.get(id);
    return user && { ...user };
  }

  async countUsers(): Promise<number> {
    return this.#users.size;
  }

  async listUsers(query: PageQuery): Promise<Page<UserRecord>> {
    return paginate(
      [...this.#users.values()].map((u) => ({ ...u })),
      query,
    );
  }

  async createTeam(team: TeamRecord, owner: MembershipRecord): Promise<void> {
    const slugTaken = [...this.#teams.values()].some((t) => t.slug === team.slug);
    if (this.#teams.has(team.id) || slugTaken) throw new AppError('CONFLICT', 'team slug taken');
    this.#teams.set(team.id, { ...team });
    this.#members.set(memberKey(owner.teamId, owner.userId), { ...owner });
  }

  async findTeam(ref: { id: string } | { slug: string }): Promise<TeamRecord | undefined> {
    const team = 'id' in ref ? this.#teams.get(ref.id) : [...this.#teams.values()].find((t) => t.slug === ref.slug);
    return team && { ...team };
  }

  async listTeams(query: PageQuery & { memberId?: string }): Promise<Page<TeamRecord>> {
    const teams = [...this.#teams.values()].filter((t) => query.memberId === undefined || this.#members.has(memberKey(t.id, query.memberId)));
    return paginate(
      teams.map((t) => ({ ...t })),
      query,
    );
  }

  async addMember(membership: MembershipRecord): Promise<void> {
    const key = memberKey(membership.teamId, membership.userId);
    if (this.#members.has(key)) throw new AppError('CONFLICT', 'already a member');
    this.#members.set(key, { ...membership });
  }

  async findRole(teamId: string, userId: string): Promise<TeamRole | undefined> {
    return this.#members.get(memberKey(teamId, userId))?.role;
  }

  async listMembers(teamId: string): Promise<MembershipRecord[]> {
    return [...this.#members.values()]
      .filter((m) => m.teamId === teamId)
      .sort((a, b) => a.createdAt - b.createdAt || a.userId.localeCompare(b.userId))
      .map((m) => ({ ...m }));
  }
}

function memberKey(teamId: string, userId: string): string {
  return `${teamId}\u0000${userId}`;
}
