/**
 * What the policy pages read and write: lifecycle policies (GET/PUT /v1/policies, /v1/teams/{id}/policies)
 * and leak policies (GET/PUT /v1/leak-policy, GET/PUT/DELETE /v1/teams/{id}/leak-policy), docs/governance.md.
 */
import { api } from './api';

export const POLICY_TOKEN_TYPES = ['api', 'personal', 'resource'] as const;
export type PolicyTokenType = (typeof POLICY_TOKEN_TYPES)[number];

export interface LifecyclePolicy {
  maxLifetime?: Partial<Record<PolicyTokenType, number>>;
  expiryRequired?: PolicyTokenType[];
  inactivityDays?: number;
  inactivityWarningDays?: number;
  allowedScopes?: string[];
}

export interface PolicyAnswer {
  level: 'installation' | 'team';
  teamId: string | null;
  policy: LifecyclePolicy;
  effective?: LifecyclePolicy;
  updatedAt: number | null;
  updatedBy: string | null;
}

export const LEAK_ACTIONS = ['revoke', 'disable', 'notify', 'rotate'] as const;
export type LeakAction = (typeof LEAK_ACTIONS)[number];

export interface LeakPolicy {
  teamId: string | null;
  action: LeakAction;
  gracePeriodMs: number | null;
  inherited: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
}

/** What each leak action does to a leaked key, in words. */
export const LEAK_ACTION_WORDS: Record<LeakAction, string> = {
  revoke: 'Revoke: refused at once, everywhere',
  disable: 'Suspend: refused until its owner resumes it',
  notify: 'Notify only: it keeps working, marked leaked and announced',
  rotate: 'Rotate: a successor is made; the leaked secret works for a grace period, then is revoked',
};

const policyPath = (teamId?: string) => (teamId ? `/v1/teams/${encodeURIComponent(teamId)}/policies` : '/v1/policies');
const leakPath = (teamId?: string) => (teamId ? `/v1/teams/${encodeURIComponent(teamId)}/leak-policy` : '/v1/leak-policy');

export const getPolicy = (teamId?: string) => api<PolicyAnswer>('GET', policyPath(teamId));
export const putPolicy = (policy: LifecyclePolicy, teamId?: string) => api<PolicyAnswer>('PUT', policyPath(teamId), policy);
export const getLeakPolicy = (teamId?: string) => api<LeakPolicy>('GET', leakPath(teamId));
export const putLeakPolicy = (body: { action: LeakAction; gracePeriodMs: number | null }, teamId?: string) => api<LeakPolicy>('PUT', leakPath(teamId), body);
/** The team follows the installation's default leak policy again. */
export const clearLeakPolicy = (teamId: string) => api<LeakPolicy>('DELETE', leakPath(teamId));

/** A policy's rules as short sentences; an empty list is no rule. */
export function describePolicy(policy: LifecyclePolicy): string[] {
  const lines: string[] = [];
  for (const type of POLICY_TOKEN_TYPES) {
    const days = policy.maxLifetime?.[type];
    if (days !== undefined) lines.push(`${type} tokens live at most ${days} day${days === 1 ? '' : 's'}`);
  }
  if (policy.expiryRequired?.length) lines.push(`${policy.expiryRequired.join(', ')} tokens must have an expiry`);
  if (policy.inactivityDays !== undefined) {
    const warning = policy.inactivityWarningDays ?? Math.min(7, policy.inactivityDays - 1);
    lines.push(`tokens unused for ${policy.inactivityDays} days are revoked, with a warning ${warning} days before`);
  }
  if (policy.allowedScopes) lines.push(policy.allowedScopes.length ? `scopes allowed: ${policy.allowedScopes.join(', ')}` : 'no scope is allowed');
  return lines;
}
