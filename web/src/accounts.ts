import { api, query } from './api';

/** The shapes the pages read from the management API (src/http/schemas/account-schemas.ts). */
export interface User {
  id: string;
  numId: number;
  name: string;
  email: string | null;
  role: 'admin' | 'member';
  createdAt: number;
  /** When the user was disabled: all their tokens answer DISABLED until enabled. */
  disabledAt?: number | null;
}
export type TeamRole = 'owner' | 'member' | 'viewer';
export const TEAM_ROLES: readonly TeamRole[] = ['owner', 'member', 'viewer'];
export interface Team {
  id: string;
  slug: string;
  name: string;
  createdAt: number;
}
export interface Member {
  teamId: string;
  userId: string;
  name: string | null;
  role: TeamRole;
  createdAt: number;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface Whoami {
  user: User;
  teams: Array<{ team: Team; role: TeamRole }>;
}
export interface TokenSummary {
  id: string;
  name: string;
  type: string;
  status: string;
  prefix: string;
  suffix: string;
  teamId: string | null;
  ownerUserId: string;
  activeAt: number | null;
}
export interface AuditEvent {
  id: string;
  at: number;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  targetType: 'token' | 'user' | 'team' | 'pool' | 'installation' | 'webhook';
  targetId: string;
  teamId: string | null;
  subjectUserId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  actorName: string | null;
  targetName: string | null;
  subjectName: string | null;
}
export interface AuditFilters {
  teamId?: string;
  targetId?: string;
  action?: string;
  actorUserId?: string;
  from?: number;
  to?: number;
  cursor?: string;
  limit?: number;
}

export const whoami = () => api<Whoami>('GET', '/v1/whoami');
export const listTeams = (cursor?: string) => api<Page<Team>>('GET', `/v1/teams${query({ limit: 200, cursor })}`);
export const getTeam = (id: string) => api<{ team: Team; members: Member[] }>('GET', `/v1/teams/${encodeURIComponent(id)}`);
export const listUsers = (cursor?: string) => api<Page<User>>('GET', `/v1/users${query({ limit: 100, cursor })}`);
export const listAudit = (filters: AuditFilters) => api<Page<AuditEvent>>('GET', `/v1/audit${query({ limit: 50, ...filters })}`);
export const getToken = (id: string) => api<{ token: TokenSummary }>('GET', `/v1/tokens/${encodeURIComponent(id)}`);

/** The actions the audit log records, as a person says them. */
export const AUDIT_ACTIONS: Record<string, string> = {
  bootstrap: 'First start',
  recovery: 'Admin access recovered',
  'token.create': 'Token created',
  'token.update': 'Token changed',
  'token.revoke': 'Token revoked',
  'token.rotate': 'Token rotated',
  'token.delete': 'Token deleted',
  'token.credits': "Token's credits changed",
  'pool.credits': "Pool's credits changed",
  'user.create': 'User created',
  'team.create': 'Team created',
  'team.member.add': 'Member added to a team',
  'session.create': 'Signed in to the dashboard',
  'session.delete': 'Signed out of the dashboard',
  'policy.update': 'Lifecycle policy set',
  'token.disable': 'Token suspended',
  'token.enable': 'Token resumed',
  'token.leak': 'Token reported leaked',
  'leak-policy.update': 'Leak policy set',
  'leak-policy.clear': 'Leak policy cleared',
  'user.disable': 'User disabled',
  'user.enable': 'User enabled',
  'user.delete': 'User deleted',
  'team.member.update': "Member's role changed",
  'team.member.remove': 'Member removed from a team',
  'webhook.create': 'Webhook created',
  'webhook.update': 'Webhook changed',
  'webhook.delete': 'Webhook deleted',
  'webhook.rotate': "Webhook's secret rotated",
  'webhook.test': 'Webhook test sent',
  'webhook.redeliver': 'Webhook event redelivered',
  'token.import': 'Tokens imported',
};
