import { AppError } from '../core/errors.js';
import { DEFAULT_LEAK_POLICY, leakPolicyProblem, leakPolicyScopeOf, type LeakAction, type LeakPolicy } from '../core/leak-policy.js';
import type { TokenRecord } from '../core/token.js';
import type { LeakPolicyStore } from '../store/leak-policy-store.js';
import type { AccessPolicy, TeamRef } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { CallContext, Principal } from './principal.js';
import type { Runtime } from './runtime.js';

/** A policy as the API shows it: whose it is, and whether it is the team's own or the default it follows. */
export interface EffectiveLeakPolicy extends LeakPolicy {
  teamId: string | null;
  /** True when no policy of its own was set: the installation's default applies (for the default: the built-in `revoke`). */
  inherited: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
}

/**
 * Per-team leak policies and the installation's default (core/leak-policy.ts). A team's owners
 * (and admins) set its policy; any member reads it. Admins set the default, which personal tokens,
 * tokens in no team, and teams without a policy of their own follow.
 */
export class LeakPolicyService {
  constructor(private readonly deps: { policies: LeakPolicyStore; access: AccessPolicy; audit: AuditService; runtime: Runtime }) {}

  /** The policy a leaked token is handled by. */
  async forToken(token: Pick<TokenRecord, 'type' | 'teamId'>): Promise<LeakPolicy> {
    const teamId = leakPolicyScopeOf(token);
    const own = teamId === null ? undefined : await this.deps.policies.find(teamId);
    const policy = own ?? (await this.deps.policies.find(null)) ?? DEFAULT_LEAK_POLICY;
    return { action: policy.action, gracePeriodMs: policy.gracePeriodMs };
  }

  async getDefault(): Promise<EffectiveLeakPolicy> {
    return this.#effective(null);
  }

  async setDefault(ctx: CallContext, input: { action: LeakAction; gracePeriodMs?: number | null }): Promise<EffectiveLeakPolicy> {
    this.deps.access.requireAdmin(ctx.principal);
    return this.#set(ctx, null, input);
  }

  async getForTeam(principal: Principal, ref: TeamRef): Promise<EffectiveLeakPolicy> {
    const { team } = await this.deps.access.team(principal, ref);
    return this.#effective(team.id);
  }

  async setForTeam(ctx: CallContext, ref: TeamRef, input: { action: LeakAction; gracePeriodMs?: number | null }): Promise<EffectiveLeakPolicy> {
    const { team, role } = await this.deps.access.team(ctx.principal, ref);
    // What happens to the team's leaked keys is the owners' call, like who is in the team.
    if (role !== 'owner') throw new AppError('FORBIDDEN', "only a team's owners may set its leak policy");
    return this.#set(ctx, team.id, input);
  }

  /** The team follows the installation's default again, now and as it changes (team owners and admins); audited when it had a policy. */
  async clearForTeam(ctx: CallContext, ref: TeamRef): Promise<EffectiveLeakPolicy> {
    const { team, role } = await this.deps.access.team(ctx.principal, ref);
    if (role !== 'owner') throw new AppError('FORBIDDEN', "only a team's owners may clear its leak policy");
    if (await this.deps.policies.remove(team.id)) {
      await this.deps.audit.record(ctx, {
        action: 'leak-policy.clear',
        targetType: 'team',
        targetId: team.id,
        teamId: team.id,
        subjectUserId: null,
        details: {},
      });
    }
    return this.#effective(team.id);
  }

  async #set(ctx: CallContext, teamId: string | null, input: { action: LeakAction; gracePeriodMs?: number | null }): Promise<EffectiveLeakPolicy> {
    const problem = leakPolicyProblem(input);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
    const policy = {
      teamId,
      action: input.action,
      gracePeriodMs: input.gracePeriodMs ?? null,
      updatedAt: this.deps.runtime.now(),
      updatedBy: ctx.principal.user.id,
    };
    await this.deps.policies.put(policy);
    await this.deps.audit.record(ctx, {
      action: 'leak-policy.update',
      targetType: teamId === null ? 'installation' : 'team',
      targetId: teamId ?? 'installation',
      teamId,
      subjectUserId: null,
      details: { action: policy.action, gracePeriodMs: policy.gracePeriodMs },
    });
    return { ...policy, inherited: false };
  }

  async #effective(teamId: string | null): Promise<EffectiveLeakPolicy> {
    const own = await this.deps.policies.find(teamId);
    if (own) return { ...own, inherited: false };
    const fallback = teamId === null ? DEFAULT_LEAK_POLICY : await this.forToken({ type: 'api', teamId: null });
    return { teamId, action: fallback.action, gracePeriodMs: fallback.gracePeriodMs, inherited: true, updatedAt: null, updatedBy: null };
  }
}
