export const AUDIT_ACTIONS = [
  'bootstrap',
  /** `tessera admin token`: a new admin token issued offline (no actor); details say which OS user on which host ran it. */
  'recovery',
  'token.create',
  'token.update',
  'token.revoke',
  'token.rotate',
  'token.delete',
  /** Suspended (POST /v1/tokens/{id}/disable), or by a leak policy (the system: no actor). */
  'token.disable',
  'token.enable',
  'token.credits',
  'pool.credits',
  'user.create',
  'team.create',
  'team.member.add',
  /** All the user's tokens answer DISABLED until `user.enable`. */
  'user.disable',
  'user.enable',
  /** The user's tokens revoked, memberships removed, the user gone. */
  'user.delete',
  'team.member.remove',
  'team.member.update',
  /** A personal token signed in to the dashboard (POST /v1/session); the target is the token. */
  'session.create',
  /** A dashboard session was ended by signing out (DELETE /v1/session). */
  'session.delete',
  /** A lifecycle policy was set: the installation's (target `installation`) or a team's (target the team). */
  'policy.update',
  /** A token was reported leaked (GitHub, GitLab, the public report); details say by whom, where, and what its policy did. */
  'token.leak',
  /** A team's leak policy, or the installation's default (target `installation`), was set. */
  'leak-policy.update',
  /** Webhooks (docs/webhooks.md); the target is the webhook, its secret never in the details. */
  'webhook.create',
  'webhook.update',
  'webhook.delete',
  'webhook.rotate',
  'webhook.test',
  'webhook.redeliver',
  /** Tokens imported (`tessera import`, POST /v1/tokens/import): one event per run or batch, with its counts, never one per key. */
  'token.import',
  /** A team's leak policy was cleared: the team follows the installation's default again. */
  'leak-policy.clear',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who did what to which object, when and from where. Never holds a secret. */
export interface AuditEvent {
  id: string;
  at: number;
  action: AuditAction;
  actorUserId: string | null;
  actorTokenId: string | null;
  targetType: 'token' | 'user' | 'team' | 'pool' | 'installation' | 'webhook';
  targetId: string;
  teamId: string | null;
  /** The user whose object was acted on, so they see changes others made to it. */
  subjectUserId: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}
