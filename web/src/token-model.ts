/**
 * What the token pages read from the API (GET /v1/tokens, /v1/whoami, /v1/audit) and the rights
 * a page can judge before it asks (the server decides anyway).
 */
import type { paths } from '../../sdk/src/api-types';
import { api } from './api';
import { grants, type Session } from './session';

export type TokenStatus = 'active' | 'revoked' | 'expired' | 'disabled';

export interface RateLimitRule {
  name: string;
  limit: number;
  durationMs: number;
}

/** A token as the API shows it: the server's own schema, through the SDK's generated OpenAPI types. */
export type TokenView = paths['/v1/tokens/{id}']['get']['responses'][200]['content']['application/json']['token'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A new or rotated token: the secret is in this answer only. */
export interface IssuedToken {
  token: TokenView;
  secret: string;
}

export interface TeamMembership {
  team: { id: string; slug: string; name: string };
  role: 'owner' | 'member' | 'viewer';
}

export interface Whoami {
  user: { id: string; name: string; role: 'admin' | 'member' };
  teams: TeamMembership[];
}

export interface AuditEvent {
  id: string;
  at: number;
  action: string;
  actorUserId: string | null;
  actorTokenId: string | null;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
}

export const whoami = () => api<Whoami>('GET', '/v1/whoami');

/**
 * Whether the signed-in user may change `token`, as the server judges it: the scope, then an admin
 * may change any; a team's token needs the role owner or member there; a token of no team, its owner.
 */
export function mayChange(session: Session | null | undefined, me: Whoami | undefined, token: TokenView, scope = 'tokens:write'): boolean {
  if (!grants(session, scope) || !me) return false;
  if (me.user.role === 'admin') return true;
  if (token.type === 'personal') return token.ownerUserId === me.user.id;
  if (token.teamId) return me.teams.some((m) => m.team.id === token.teamId && m.role !== 'viewer');
  return token.ownerUserId === me.user.id;
}

/** The teams where the user may create tokens (owner or member). */
export function writableTeams(me: Whoami | undefined): TeamMembership[] {
  return (me?.teams ?? []).filter((m) => m.role !== 'viewer');
}

/** What the token view shows of the secret: its prefix and last four characters, never more. */
export function secretEnds(token: Pick<TokenView, 'prefix' | 'suffix'>): string {
  return `${token.prefix}_…${token.suffix}`;
}
