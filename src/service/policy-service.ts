import { AppError } from '../core/errors.js';
import {
  lifecyclePolicyProblem,
  mergePolicies,
  policyViolation,
  type LevelPolicy,
  type LifecyclePolicy,
  type RulesToCheck,
  type TokenShape,
} from '../core/lifecycle-policy.js';
import type { TokenRecord } from '../core/token.js';
import type { AccountStore } from '../store/account-store.js';
import { INSTALLATION_POLICY, type PolicyRecord, type PolicyStore } from '../store/policy-store.js';
import type { AccessPolicy, TeamRef } from './access-policy.js';
import type { AuditService } from './audit-service.js';
import type { CallContext, Principal } from './principal.js';
import type { Runtime } from './runtime.js';

/** A level's policy as the API shows it; a level never set has the empty policy. */
export interface PolicyView {
  level: 'installation' | 'team';
  teamId: string | null;
  policy: LifecyclePolicy;
  /** For a team: its policy and the installation's as one, the stricter of each rule kept. */
  effective?: LifecyclePolicy;
  updatedAt: number | null;
  updatedBy: string | null;
}

/**
 * The lifecycle policies: reading and setting them (who may is decided here), and holding a token
 * to them (TokenService asks before it stores a token). The rules themselves are core/lifecycle-policy.
 */
export class PolicyService {
  constructor(private readonly deps: { policies: PolicyStore; accounts: AccountStore; access: AccessPolicy; audit: AuditService; runtime: Runtime }) {}

  /** The installation's policy: the rules that bind every caller's tokens are for every signed-in caller to read. */
  async installation(): Promise<PolicyView> {
    return viewOf('installation', null, await this.deps.policies.find(INSTALLATION_POLICY));
  }

  /** Admins only (not a token limited to a team). */
  async setInstallation(ctx: CallContext, policy: LifecyclePolicy): Promise<PolicyView> {
    this.deps.access.requireAdmin(ctx.principal);
    const record = await this.#put(INSTALLATION_POLICY, policy, ctx.principal);
    await this.deps.audit.record(ctx, {
      action: 'policy.update',
      targetType: 'installation',
      targetId: INSTALLATION_POLICY,
      teamId: null,
      subjectUserId: null,
      details: { policy },
    });
    return viewOf('installation', null, record);
  }

  /** Any member of the team (and admins) may read its policy. */
  async team(principal: Principal, ref: TeamRef): Promise<PolicyView> {
    const { team } = await this.deps.access.team(principal, ref);
    const [own, installation] = await Promise.all([this.deps.policies.find(team.id), this.deps.policies.find(INSTALLATION_POLICY)]);
    return { ...viewOf('team', team.id, own), effective: mergePolicies(installation?.policy ?? {}, own?.policy ?? {}) };
  }

  /** Team owners (and admins) set a team's policy; it can only add to the installation's, never loosen it. */
  async setTeam(ctx: CallContext, ref: TeamRef, policy: LifecyclePolicy): Promise<PolicyView> {
    const access = await this.deps.access.team(ctx.principal, ref);
    if (access.role !== 'owner') throw new AppError('FORBIDDEN', "only a team owner may set the team's policy");
    const teamId = access.team.id;
    await this.#put(teamId, policy, ctx.principal);
    await this.deps.audit.record(ctx, { action: 'policy.update', targetType: 'team', targetId: teamId, teamId, subjectUserId: null, details: { policy } });
    return this.team(ctx.principal, { id: teamId });
  }

  /** The levels that govern a token of `teamId`: the installation's, then the team's. */
  async levelsFor(teamId: string | null): Promise<LevelPolicy[]> {
    const levels: LevelPolicy[] = [];
    const installation = await this.deps.policies.find(INSTALLATION_POLICY);
    if (installation) levels.push({ level: { kind: 'installation' }, policy: installation.policy });
    if (teamId !== null) {
      const own = await this.deps.policies.find(teamId);
      if (own) {
        const slug = (await this.deps.accounts.findTeam({ id: teamId }))?.slug ?? teamId;
        levels.push({ level: { kind: 'team', teamId, slug }, policy: own.policy });
      }
    }
    return levels;
  }

  /** Throws POLICY_VIOLATION, naming the rule and its level, when the token about to be stored breaks a policy. */
  async enforce(teamId: string | null, token: TokenShape, check?: RulesToCheck): Promise<void> {
    const found = policyViolation(await this.levelsFor(teamId), token, check);
    if (found) throw new AppError('POLICY_VIOLATION', found.message);
  }

  /** Holds a change to `token` to the rules of what it changes only: a token older than a policy may still be renamed. */
  async enforceChange(token: TokenRecord, patch: { scopes?: readonly string[] | undefined; expiresAt?: number | null | undefined }): Promise<void> {
    const lifetime = patch.expiresAt !== undefined;
    const scopes = patch.scopes !== undefined;
    if (!lifetime && !scopes) return;
    const shape = {
      type: token.type,
      scopes: patch.scopes ?? token.scopes,
      expiresAt: patch.expiresAt === undefined ? token.expiresAt : patch.expiresAt,
      bornAt: token.createdAt,
    };
    await this.enforce(token.teamId, shape, { lifetime, scopes });
  }

  async #put(scope: string, policy: LifecyclePolicy, by: Principal): Promise<PolicyRecord> {
    const problem = lifecyclePolicyProblem(policy);
    if (problem) throw new AppError('VALIDATION_ERROR', problem);
    const record: PolicyRecord = { scope, policy, updatedAt: this.deps.runtime.now(), updatedBy: by.user.id };
    await this.deps.policies.put(record);
    return record;
  }
}

function viewOf(level: PolicyView['level'], teamId: string | null, record: PolicyRecord | undefined): PolicyView {
  return { level, teamId, policy: record?.policy ?? {}, updatedAt: record?.updatedAt ?? null, updatedBy: record?.updatedBy ?? null };
}
