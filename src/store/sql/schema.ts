import type { Generated } from 'kysely';

/** Timestamps are integer milliseconds; PostgreSQL returns bigint as text, so mappers use Number(). */
type Millis = number | string;

export interface UsersTable {
  num_id: Generated<number>;
  id: string;
  name: string;
  email: string | null;
  role: string;
  created_at: Millis;
}

export interface TeamsTable {
  id: string;
  slug: string;
  name: string;
  created_at: Millis;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  role: string;
  created_at: Millis;
}

export interface TokensTable {
  id: string;
  digest: Buffer;
  name: string;
  type: string;
  origin: string;
  prefix: string;
  suffix: string;
  /** JSON text of string[]. */
  scopes: string;
  resource_kind: string | null;
  resource_id: string | null;
  environment: string | null;
  projects: string;
  owner_user_id: string;
  team_id: string | null;
  metadata: string;
  ip_allowlist: string;
  expires_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  active_at: Millis | null;
  revoked_at: Millis | null;
  leaked_at: Millis | null;
  leaked_url: string | null;
  parent_id: string | null;
  rotated_from_id: string | null;
}

export interface AuditEventsTable {
  id: string;
  at: Millis;
  action: string;
  actor_user_id: string | null;
  actor_token_id: string | null;
  target_type: string;
  target_id: string;
  team_id: string | null;
  subject_user_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: string;
}

export interface EnvironmentsTable {
  name: string;
  created_at: Millis;
}

export interface ProjectsTable {
  id: string;
  name: string;
  created_at: Millis;
}

export interface EdgeConfigsTable {
  id: string;
  slug: string;
  owner_user_id: string;
  team_id: string | null;
  items: string;
  digest: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface Database {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  tokens: TokensTable;
  audit_events: AuditEventsTable;
  environments: EnvironmentsTable;
  projects: ProjectsTable;
  edge_configs: EdgeConfigsTable;
}

export type SqlDialect = 'sqlite' | 'postgres';
