/** `admin` may do everything; a `member` manages its own tokens and those of its teams. */
export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const TEAM_ROLES = ['owner', 'member', 'viewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

export interface UserRecord {
  id: string;
  /** Vida addresses users by number. */
  numId: number;
  name: string;
  email: string | null;
  role: UserRole;
  createdAt: number;
  /** Disabled (offboarded): every token of theirs answers DISABLED until they are enabled again. */
  disabledAt: number | null;
}

export interface TeamRecord {
  id: string;
  slug: string;
  name: string;
  createdAt: number;
}

export interface MembershipRecord {
  teamId: string;
  userId: string;
  role: TeamRole;
  createdAt: number;
}

/** Viewers may read a team's tokens; owners and members may also change them. */
export function teamRoleCanWrite(role: TeamRole): boolean {
  return role === 'owner' || role === 'member';
}

/**
 * What two user names must not share: names compare case-insensitively, and compatibility forms
 * (full-width letters, ligatures) as the letters they stand for, surrounding spaces ignored.
 */
export function userNameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().trim();
}
