import type { MembershipRecord, TeamRecord, TeamRole, UserRecord } from '../core/account.js';
import type { Page, PageQuery } from './page.js';

export interface AccountStore {
  /**
   * Assigns the numeric id; the user starts enabled. Throws AppError CONFLICT when the id or email
   * exists, USER_NAME_TAKEN when another user's name is the same but for case (userNameKey).
   */
  createUser(user: Omit<UserRecord, 'numId' | 'disabledAt'>): Promise<UserRecord>;
  findUser(id: string): Promise<UserRecord | undefined>;
  /**
   * Disables the user from `at`, or enables them (null); disabling a disabled user keeps the first
   * time. In the same transaction every token of theirs takes the user's state as its
   * ownerDisabledAt (what verify reads), `updatedAt` = `now` on those it changes: no failure can
   * leave a disabled user with tokens that verify. Returns the user and the ids of the tokens it
   * changed. Throws LAST_ADMIN, changing nothing, when it would leave no enabled admin. Undefined
   * when no such user.
   */
  setUserDisabled(id: string, at: number | null, now: number): Promise<{ user: UserRecord; tokenIds: string[] } | undefined>;
  /**
   * Deletes the user and their memberships and revokes at `now` every token of theirs not revoked
   * by then (the tokens stay, for the audit log's sake), in one transaction; returns the ids of the
   * tokens it revoked. Throws LAST_ADMIN (no enabled admin would be left) or LAST_TEAM_OWNER (a
   * team would be left without an owner), changing nothing. Undefined when no such user.
   */
  deleteUser(id: string, now: number): Promise<{ tokenIds: string[] } | undefined>;
  countUsers(): Promise<number>;
  listUsers(query: PageQuery): Promise<Page<UserRecord>>;
  /** Creates the team with its first owner in one transaction. Throws AppError CONFLICT on a taken slug. */
  createTeam(team: TeamRecord, owner: MembershipRecord): Promise<void>;
  findTeam(ref: { id: string } | { slug: string }): Promise<TeamRecord | undefined>;
  /** All teams, or only those `memberId` belongs to. */
  listTeams(query: PageQuery & { memberId?: string }): Promise<Page<TeamRecord>>;
  /** Throws AppError CONFLICT when the user is a member already, USER_NOT_FOUND when there is no such user (deleted since the caller looked). */
  addMember(membership: MembershipRecord): Promise<void>;
  findRole(teamId: string, userId: string): Promise<TeamRole | undefined>;
  listMembers(teamId: string): Promise<MembershipRecord[]>;
  /** False when the user is no member. Throws LAST_TEAM_OWNER, changing nothing, for the team's only owner. */
  removeMember(teamId: string, userId: string): Promise<boolean>;
  /** Undefined when the user is no member. Throws LAST_TEAM_OWNER, changing nothing, when it demotes the team's only owner. */
  setMemberRole(teamId: string, userId: string, role: TeamRole): Promise<MembershipRecord | undefined>;
}
