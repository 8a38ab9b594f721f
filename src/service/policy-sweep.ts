import { tokenEvent } from '../core/events.js';
import {
  DAY_MS,
  inactivityCutoff,
  inactivityStep,
  lastActivity,
  levelName,
  staleBefore,
  strictestInactivity,
  type InactivityRule,
} from '../core/lifecycle-policy.js';
import type { InactivityStore } from '../store/inactivity-store.js';
import { INSTALLATION_POLICY, type PolicyStore } from '../store/policy-store.js';
import type { TokenStore } from '../store/token-store.js';
import { tokenAuditTarget, type AuditService } from './audit-service.js';
import type { ChangeFeed } from './change-feed.js';
import type { EventPublisher } from './event-publisher.js';
import type { PolicyService } from './policy-service.js';
import type { Runtime } from './runtime.js';

/** What one sweep did on this node: the tokens it warned and revoked (another node's share is not here). */
export interface SweepResult {
  warned: string[];
  revoked: string[];
}

/**
 * The inactivity sweep of the lifecycle policies. Every node runs it; the store's guarded writes
 * decide which node warns of and which revokes each token, and only that node announces it (the
 * event, the change every node's cache hears of, the audit entry). A token is warned
 * (`token.inactive`) before it is revoked (`token.revoked`, reason `inactivity`): see
 * core/lifecycle-policy inactivityStep.
 */
export class PolicySweep {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(
    private readonly deps: {
      policyStore: PolicyStore;
      policies: Pick<PolicyService, 'levelsFor'>;
      inactivity: InactivityStore;
      tokens: TokenStore;
      changes: ChangeFeed;
      events: EventPublisher;
      audit: AuditService;
      runtime: Runtime;
    },
    private readonly batch = 500,
  ) {}

  async sweep(): Promise<SweepResult> {
    const now = this.deps.runtime.now();
    const result: SweepResult = { warned: [], revoked: [] };
    const rules = await this.#rules();
    const cutoff = inactivityCutoff(
      [...rules.values()].filter((r): r is InactivityRule => r !== null),
      now,
    );
    if (cutoff === null) return result;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.deps.inactivity.candidates({ activeBefore: cutoff, limit: this.batch, ...(afterId === undefined ? {} : { afterId }) });
      for (const candidate of page) {
        const rule = (candidate.teamId !== null && rules.has(candidate.teamId) ? rules.get(candidate.teamId) : rules.get(null)) ?? null;
        if (rule === null) continue;
        const step = inactivityStep(rule, candidate, now);
        if (step === 'warn' && (await this.#warn(candidate.id, lastActivity(candidate), rule, now))) result.warned.push(candidate.id);
        if (step === 'revoke' && (await this.#revoke(candidate.id, rule, now))) result.revoked.push(candidate.id);
      }
      if (page.length < this.batch) return result;
      afterId = page[page.length - 1]!.id;
    }
  }

  /** The inactivity rule of tokens outside any team with a policy (key null), and of each team that has one. */
  async #rules(): Promise<Map<string | null, InactivityRule | null>> {
    const records = await this.deps.policyStore.list();
    const rules = new Map<string | null, InactivityRule | null>([[null, strictestInactivity(await this.deps.policies.levelsFor(null))]]);
    for (const { scope } of records) {
      if (scope !== INSTALLATION_POLICY) rules.set(scope, strictestInactivity(await this.deps.policies.levelsFor(scope)));
    }
    return rules;
  }

  async #warn(id: string, since: number, rule: InactivityRule, now: number): Promise<boolean> {
    if (!(await this.deps.inactivity.markWarned(id, since, now))) return false;
    const token = await this.deps.tokens.findById(id);
    if (!token) return true;
    const revokeAt = Math.max(since + rule.days * DAY_MS, now + rule.warningDays * DAY_MS);
    await this.deps.events.publish([tokenEvent('token.inactive', token, { lastActiveAt: since, revokeAt, ...ruleFacts(rule) })]);
    return true;
  }

  async #revoke(id: string, rule: InactivityRule, now: number): Promise<boolean> {
    const revoked = await this.deps.inactivity.revokeInactive(id, staleBefore(rule, now), now);
    if (!revoked) return false;
    await this.deps.changes.publish([revoked]);
    await this.deps.events.publish([tokenEvent('token.revoked', revoked, { reason: 'inactivity', ...ruleFacts(rule) })]);
    await this.deps.audit.record(null, { ...tokenAuditTarget(revoked), action: 'token.revoke', details: { by: 'inactivity', ...ruleFacts(rule) } });
    return true;
  }

  /** Sweeps every `intervalMs` (one sweep at a time); a failed sweep goes to `onError` and the next one tries again. */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    if (this.#timer || intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.sweep()
        .catch(onError)
        .finally(() => (this.#running = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

function ruleFacts(rule: InactivityRule): Record<string, unknown> {
  return { inactivityDays: rule.days, level: levelName(rule.level) };
}
