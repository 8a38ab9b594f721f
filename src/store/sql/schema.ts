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
  disabled_at: Millis | null;
  /** userNameKey(name); null only for a duplicate an older store already held (migration 2026-12-05T1800). */
  name_key: string | null;
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
  revoked_at: Millis | null;
  leaked_at: Millis | null;
  leaked_url: string | null;
  disabled_at: Millis | null;
  owner_disabled_at: Millis | null;
  parent_id: string | null;
  rotated_from_id: string | null;
  /** Integers of 10⁻⁹ credits. Read through `cast(… as text)`: SQLite would hand a lossy number past 2⁵³. */
  credits: bigint | string | null;
  credits_active: number;
  credit_pool: string | null;
  /** JSON text of CreditRefill, the amount as a decimal string of 10⁻⁹ units. */
  refill: string | null;
  last_refill_at: Millis | null;
  /** JSON text of RateLimitRule[]. */
  rate_limits: string;
}

/** A token's uses, once it has any: written behind in batches, apart from the wide token row. */
export interface TokenUsesTable {
  token_id: string;
  /** A bigint: PostgreSQL returns it as text. */
  use_count: number | string;
  active_at: Millis | null;
}

export interface CreditPoolsTable {
  owner_id: string;
  credits: bigint | string;
  created_at: Millis;
  updated_at: Millis;
}

export interface CreditReservationsTable {
  id: string;
  token_id: string;
  pool_id: string | null;
  amount: bigint | string;
  committed: bigint | string | null;
  state: string;
  expires_at: Millis;
  created_at: Millis;
  settled_at: Millis | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  /** Null while the first request is still being answered. */
  status: number | null;
  body: string | null;
  created_at: Millis;
  expires_at: Millis;
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

export interface TokenChangesTable {
  seq: number | string;
  digest: Buffer;
  changed_at: Millis;
  /** Whose token changed; null for changes logged before 2026-12-05T1200-change-owners. */
  token_type: string | null;
  owner_user_id: string | null;
  team_id: string | null;
}

export interface ChangeSequenceTable {
  id: number;
  seq: number | string;
  log_id: string;
}

/** Values every node must agree on; written once, never changed. */
export interface ServerSettingsTable {
  name: string;
  value: string;
}

/** The keys JWTs are signed with; the private JWK only sealed (core/sealed-box.ts). */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  /** JSON text of the public JWK's members. */
  public_jwk: string;
  sealed_private_key: string;
  /** 'current' on the current key, null on retired ones; unique. */
  current_slot: string | null;
  created_at: Millis;
  activated_at: Millis;
  retired_at: Millis | null;
}

/** Dashboard sessions, keyed by the SHA-256 of the session id (never the id). */
export interface SessionsTable {
  digest: string;
  token_id: string;
  user_id: string;
  created_at: Millis;
  expires_at: Millis;
  last_seen_at: Millis;
}

/** Verification analytics: counts per granularity, bucket, token ('' for none), outcome and tag ('' for the total). */
export interface VerificationCountsTable {
  granularity: string;
  bucket_start: Millis;
  token_id: string;
  outcome: string;
  tag: string;
  owner_user_id: string | null;
  team_id: string | null;
  token_type: string | null;
  count: number | string;
  /** 10⁻⁹ credits. */
  credits: number | string | bigint;
}

/** One level's lifecycle policy: `installation` or a team's id. */
export interface LifecyclePoliciesTable {
  scope: string;
  /** JSON text of LifecyclePolicy. */
  policy: string;
  updated_at: Millis;
  updated_by: string | null;
}

/** The inactivity sweep's marker: the last activity a token was warned about, and when. */
export interface TokenInactivityTable {
  token_id: string;
  warned_for: Millis;
  warned_at: Millis;
}

/** Leak policies: one row per team that set its own, and the installation's default under scope `*`. */
export interface LeakPoliciesTable {
  scope: string;
  action: string;
  grace_period_ms: Millis | null;
  updated_at: Millis;
  updated_by: string;
}

export interface Database {
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  tokens: TokensTable;
  token_uses: TokenUsesTable;
  audit_events: AuditEventsTable;
  environments: EnvironmentsTable;
  projects: ProjectsTable;
  edge_configs: EdgeConfigsTable;
  credit_pools: CreditPoolsTable;
  credit_reservations: CreditReservationsTable;
  idempotency_keys: IdempotencyKeysTable;
  token_changes: TokenChangesTable;
  change_sequence: ChangeSequenceTable;
  server_settings: ServerSettingsTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  verification_counts: VerificationCountsTable;
  lifecycle_policies: LifecyclePoliciesTable;
  token_inactivity: TokenInactivityTable;
  leak_policies: LeakPoliciesTable;
}

export type SqlDialect = 'sqlite' | 'postgres';
