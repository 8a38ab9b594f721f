import { userNameKey, type MembershipRecord, type TeamRecord, type TeamRole, type UserRecord } from '../../core/account.js';
import { AppError } from '../../core/errors.js';
import type { AccountStore } from '../account-store.js';
import type { Page, PageQuery } from '../page.js';
import type { MemoryTokenStore } from './memory-token-store.js';
import { paginate } from './paginate.js';

export class MemoryAccountStore implements AccountStore {
  /** The user's tokens carry the user's suspension (see setUserDisabled) and go with them (deleteUser). */
  constructor(private readonly tokens: Pick<MemoryTokenStore, 'setOwnerDisabled' | 'revokeOwned'>) {}

  readonly #users = new Map<string, UserRecord>();
  readonly #teams = new Map<string, TeamRecord>();
  readonly #members = new Map<string, MembershipRecord>();
  #nextNumId = 1;

  async createUser(user: Omit<UserRecord, 'numId' | 'disabledAt'>): Promise<UserRecord> {
    const emailTaken = user.email !== null && [...this.#users.values()].some((u) => u.email === user.email);
    if (this.#users.has(user.id) || emailTaken) throw new AppError('CONFLICT', 'user exists');
    const key = userNameKey(user.name);
    if ([...this.#users.values()].some((u) => userNameKey(u.name) === key)) throw new AppError('USER_NAME_TAKEN', 'another user has this name');
    const created: UserRecord = { ...user, numId: this.#nextNumId++, disabledAt: null };
    this.#users.set(user.id, created);
    return { ...created };
  }

  /** The user as stored, read without awaiting: the memory token store's check of a new token's owner. */
  user(id: string): Readonly<UserRecord> | undefined {
    return this.#users.get(id);
  }

  async findUser(id: string): Promise<UserRecord | undefined> {
    const user = this.#users.get(id);
    return user && { ...user };
  }

  async setUserDisabled(id: string, at: number | null, now: number): Promise<{ user: UserRecord; tokenIds: string[] } | undefined> {
    const user = this.#users.get(id);
    if (!user) return undefined;
    if (at !== null && user.disabledAt === null && this.#isLastAdmin(user)) throw lastAdmin();
    if ((at === null) !== (user.disabledAt === null)) user.disabledAt = at;
    const tokenIds = this.tokens.setOwnerDisabled(id, user.disabledAt, now);
    return { user: { ...user }, tokenIds };
  }

  async deleteUser(id: string, now: number): Promise<{ tokenIds: string[] } | undefined> {
    const user = this.#users.get(id);
    if (!user) return undefined;
    if (user.disabledAt === null && this.#isLastAdmin(user)) throw lastAdmin();
    const owned = [...this.#members.values()].filter((m) => m.userId === id && m.role === 'owner');
    if (owned.some((m) => this.#owners(m.teamId) === 1)) throw lastOwner();
    const tokenIds = this.tokens.revokeOwned(id, now);
    this.#users.delete(id);
    for (const [key, m] of this.#members) if (m.userId === id) this.#members.delete(key);
    return { tokenIds };
  }

  /** Whether this enabled admin is the only one. */
  #isLastAdmin(user: UserRecord): boolean {
    return user.role === 'admin' && ![...this.#users.values()].some((u) => u.id !== user.id && u.role === 'admin' && u.disabledAt === null);
  }

  #owners(teamId: string): number {
    return [...this.#members.values()].filter((m) => m.teamId === teamId && m.role === 'owner').length;
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
    if (!this.#users.has(membership.userId)) throw new AppError('USER_NOT_FOUND', 'no such user');
    const key = memberKey(membership.teamId, membership.userId);
    if (this.#members.has(key)) throw new AppError('CONFLICT', 'already a member');
    this.#members.set(key, { ...membership });
  }

  async findRole(teamId: string, userId: string): Promise<TeamRole | undefined> {
    return this.#members.get(memberKey(teamId, userId))?.role;
  }

  async removeMember(teamId: string, userId: string): Promise<boolean> {
    const key = memberKey(teamId, userId);
    const member = this.#members.get(key);
    if (!member) return false;
    if (member.role === 'owner' && this.#owners(teamId) === 1) throw lastOwner();
    this.#members.delete(key);
    return true;
  }

  async setMemberRole(teamId: string, userId: string, role: TeamRole): Promise<MembershipRecord | undefined> {
    const member = this.#members.get(memberKey(teamId, userId));
    if (!member) return undefined;
    if (member.role === 'owner' && role !== 'owner' && this.#owners(teamId) === 1) throw lastOwner();
    member.role = role;
    return { ...member };
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

const lastAdmin = () => new AppError('LAST_ADMIN', 'this would leave no enabled admin: make another user an admin first');
const lastOwner = () => new AppError('LAST_TEAM_OWNER', 'this would leave a team without an owner: make another member its owner first');
