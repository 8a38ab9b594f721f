import type { MembershipRecord, TeamRecord, TeamRole, UserRecord } from '../core/account.js';
import type { Page, PageQuery } from './page.js';

export interface AccountStore {
  /**
   * Assigns the numeric id; the user starts enabled. Throws AppError CONFLICT when the id or email
   * exists, USER_NAME_TAKEN when another user's name is the same but for case (userNameKey).
   */
  createUser(user: Omit<UserRecord, 'numId' | 'disabledAt'>): Promise<UserRecord>;
  findUser(id: string): Promise<UserRecord | undefined>;
  countUsers(): Promise<number>;
  listUsers(query: PageQuery): Promise<Page<UserRecord>>;
  /** Creates the team with its first owner in one transaction. Throws AppError CONFLICT on a taken slug. */
  createTeam(team: TeamRecord, owner: MembershipRecord): Promise<void>;
  findTeam(ref: { id: string } | { slug: string }): Promise<TeamRecord | undefined>;
  /** All teams, or only those `memberId` belongs to. */
  listTeams(query: PageQuery & { memberId?: string }): Promise<Page<TeamRecord>>;
  /** Throws AppError CONFLICT when the user is a member already. */
  addMember(membership: MembershipRecord): Promise<void>;
  findRole(teamId: string, userId: string): Promise<TeamRole | undefined>;
  listMembers(teamId: string): Promise<MembershipRecord[]>;
}
