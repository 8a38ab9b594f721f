/**
 * What happens to a token once someone reports it leaked (GitHub's secret scanning, GitLab's
 * revocation API, the public report), chosen per team with an installation-wide default:
 * - `revoke`: refused at once, everywhere (the default: a leaked secret is assumed in use by others);
 * - `disable`: suspended, so its owner can resume it after looking into the report;
 * - `notify`: keeps working; only the marks (`leakedAt`, `leakedUrl`) and a `token.leaked` event;
 * - `rotate`: a successor is made and the leaked secret keeps working for `gracePeriodMs`.
 */
export const LEAK_ACTIONS = ['revoke', 'disable', 'notify', 'rotate'] as const;
export type LeakAction = (typeof LEAK_ACTIONS)[number];

export interface LeakPolicy {
  action: LeakAction;
  /** How long the leaked secret keeps working after a `rotate`; null for every other action. */
  gracePeriodMs: number | null;
}

export const DEFAULT_LEAK_POLICY: LeakPolicy = { action: 'revoke', gracePeriodMs: null };

/** A rotation's grace period, like POST /v1/tokens/{id}/rotate's: at most 30 days. */
export const MAX_LEAK_GRACE_MS = 30 * 24 * 3_600_000;

/** Why a policy cannot be kept, naming the field; undefined when it can. */
export function leakPolicyProblem(policy: { action: string; gracePeriodMs?: number | null | undefined }): string | undefined {
  if (!(LEAK_ACTIONS as readonly string[]).includes(policy.action)) return `action: one of ${LEAK_ACTIONS.join(', ')}`;
  const grace = policy.gracePeriodMs ?? null;
  if (policy.action === 'rotate') {
    if (grace === null) return 'gracePeriodMs: a rotate policy says how long the leaked secret keeps working';
    if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_LEAK_GRACE_MS) return 'gracePeriodMs: a whole number of ms from 0 to 30 days';
  } else if (grace !== null) {
    return `gracePeriodMs: only a rotate policy has a grace period, not ${policy.action}`;
  }
  return undefined;
}

/** Where a token's policy is looked up: its team's for a team's token, else the installation's. */
export function leakPolicyScopeOf(token: { type: string; teamId: string | null }): string | null {
  return token.type === 'personal' ? null : token.teamId;
}
