import { scopeCovers } from './scopes.js';
import { TOKEN_TYPES, type TokenType } from './token.js';

export const DAY_MS = 86_400_000;

/** How far ahead of its revocation an inactive token is warned of when a policy does not say. */
export const DEFAULT_INACTIVITY_WARNING_DAYS = 7;

/**
 * One level's rules for the tokens it governs (the installation's, or one team's). Every field is
 * optional: an absent field is no rule. Lifetimes and inactivity are whole days.
 */
export interface LifecyclePolicy {
  /** The longest a token of each type may live, in days from its creation. */
  maxLifetime?: Partial<Record<TokenType, number>>;
  /** The types whose tokens must have an expiry. */
  expiryRequired?: TokenType[];
  /** Tokens unused this many days (last verified or used, else created) are revoked by the sweep. */
  inactivityDays?: number;
  /** How many days before that revocation the sweep warns (`token.inactive`); fewer than inactivityDays. */
  inactivityWarningDays?: number;
  /** Scope patterns (core/scopes.ts): each scope a token carries must be covered by one of them. */
  allowedScopes?: string[];
}

export type PolicyLevel = { kind: 'installation' } | { kind: 'team'; teamId: string; slug: string };

/** A level's policy, as the rules that apply to one token are gathered: the installation's first. */
export interface LevelPolicy {
  level: PolicyLevel;
  policy: LifecyclePolicy;
}

export type PolicyRule = 'maxLifetime' | 'expiryRequired' | 'allowedScopes';

export interface PolicyViolation {
  rule: PolicyRule;
  level: PolicyLevel;
  /** Names the rule and its level first, e.g. `maxLifetime (team acme): 90 days …`. */
  message: string;
}

/** What the rules of creation look at in a token about to be stored. */
export interface TokenShape {
  type: string;
  scopes: readonly string[];
  expiresAt: number | null;
  /** Where its lifetime is counted from: its creation (now, for a new or rotated token). */
  bornAt: number;
}

/** Which of the creation rules to hold a change to: an update is held only to the rules of what it changes. */
export interface RulesToCheck {
  lifetime: boolean;
  scopes: boolean;
}

const ALL_RULES: RulesToCheck = { lifetime: true, scopes: true };

export function levelName(level: PolicyLevel): string {
  return level.kind === 'installation' ? 'installation' : `team ${level.slug}`;
}

function violation(rule: PolicyRule, level: PolicyLevel, detail: string): PolicyViolation {
  return { rule, level, message: `${rule} (${levelName(level)}): ${detail}` };
}

/**
 * The first rule `token` breaks, of every level that governs it; null when it keeps them all.
 * Each level holds on its own, so the stricter of two always wins; of two lifetimes broken, the
 * shorter one is named, being the one to meet.
 */
export function policyViolation(levels: readonly LevelPolicy[], token: TokenShape, check: RulesToCheck = ALL_RULES): PolicyViolation | null {
  const type = token.type as TokenType;
  if (check.lifetime) {
    for (const { level, policy } of levels) {
      if (token.expiresAt === null && policy.expiryRequired?.includes(type)) {
        return violation('expiryRequired', level, `${type} tokens must have an expiry (expiresAt)`);
      }
    }
    const strictest = strictestLifetime(levels, type);
    if (strictest) {
      const { days, level } = strictest;
      if (token.expiresAt === null) return violation('maxLifetime', level, `${days} days for ${type} tokens; this one would never expire`);
      const lived = token.expiresAt - token.bornAt;
      if (lived > days * DAY_MS) {
        return violation('maxLifetime', level, `${days} days for ${type} tokens; this one would live ${Math.ceil(lived / DAY_MS)} days`);
      }
    }
  }
  if (check.scopes) {
    for (const { level, policy } of levels) {
      const allowed = policy.allowedScopes;
      if (!allowed) continue;
      const refused = token.scopes.filter((scope) => !allowed.some((pattern) => scopeCovers(pattern, scope)));
      if (refused.length > 0) return violation('allowedScopes', level, `${refused.join(', ')} not allowed (allowed: ${allowed.join(', ') || 'none'})`);
    }
  }
  return null;
}

function strictestLifetime(levels: readonly LevelPolicy[], type: TokenType): { days: number; level: PolicyLevel } | undefined {
  let strictest: { days: number; level: PolicyLevel } | undefined;
  for (const { level, policy } of levels) {
    const days = policy.maxLifetime?.[type];
    if (days !== undefined && (strictest === undefined || days < strictest.days)) strictest = { days, level };
  }
  return strictest;
}

/** One level's policy and the other's as one, the stricter of each rule kept: what `GET …/policies?effective` would show. */
export function mergePolicies(a: LifecyclePolicy, b: LifecyclePolicy): LifecyclePolicy {
  const merged: LifecyclePolicy = {};
  const lifetimes = TOKEN_TYPES.flatMap((type) => {
    const days = [a.maxLifetime?.[type], b.maxLifetime?.[type]].filter((d): d is number => d !== undefined);
    return days.length > 0 ? [[type, Math.min(...days)] as const] : [];
  });
  if (lifetimes.length > 0) merged.maxLifetime = Object.fromEntries(lifetimes);
  const required = TOKEN_TYPES.filter((type) => a.expiryRequired?.includes(type) || b.expiryRequired?.includes(type));
  if (a.expiryRequired || b.expiryRequired) merged.expiryRequired = required;
  const inactivity = strictestInactivity([a, b].map((policy) => ({ level: { kind: 'installation' }, policy })));
  if (inactivity) Object.assign(merged, { inactivityDays: inactivity.days, inactivityWarningDays: inactivity.warningDays });
  if (a.allowedScopes && b.allowedScopes) {
    // A scope passes both lists when one pattern of each covers it: the narrower of each covering pair.
    const both = new Set<string>();
    for (const x of a.allowedScopes)
      for (const y of b.allowedScopes) {
        if (scopeCovers(x, y)) both.add(y);
        else if (scopeCovers(y, x)) both.add(x);
      }
    merged.allowedScopes = [...both];
  } else if (a.allowedScopes || b.allowedScopes) merged.allowedScopes = [...(a.allowedScopes ?? b.allowedScopes)!];
  return merged;
}

/** A policy's own consistency, checked before it is stored; null when it is sound. */
export function lifecyclePolicyProblem(policy: LifecyclePolicy): string | null {
  const { inactivityDays, inactivityWarningDays } = policy;
  if (inactivityWarningDays !== undefined && inactivityDays === undefined) return 'inactivityWarningDays: only with inactivityDays';
  if (inactivityDays !== undefined && inactivityWarningDays !== undefined && inactivityWarningDays >= inactivityDays) {
    return 'inactivityWarningDays: must be fewer than inactivityDays';
  }
  const unknown = Object.keys(policy.maxLifetime ?? {}).filter((type) => !(TOKEN_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) return `maxLifetime: no token type ${unknown.join(', ')}`;
  return null;
}

// ---- inactivity --------------------------------------------------------------------------------

export interface InactivityRule {
  days: number;
  warningDays: number;
  level: PolicyLevel;
}

/** The inactivity rule that governs a token under these levels: the fewest days wins. */
export function strictestInactivity(levels: readonly LevelPolicy[]): InactivityRule | null {
  let strictest: InactivityRule | null = null;
  for (const { level, policy } of levels) {
    const days = policy.inactivityDays;
    if (days === undefined || (strictest !== null && days >= strictest.days)) continue;
    const warningDays = policy.inactivityWarningDays ?? Math.min(DEFAULT_INACTIVITY_WARNING_DAYS, days - 1);
    strictest = { days, warningDays, level };
  }
  return strictest;
}

/** The sweep's marker: the activity instant a token was warned about, and when. */
export interface InactivityWarning {
  warnedFor: number;
  warnedAt: number;
}

export interface InactivityFacts {
  createdAt: number;
  activeAt: number | null;
  warning: InactivityWarning | null;
}

export type InactivityStep = 'none' | 'warn' | 'revoke';

/** When a token last did anything: its last use, else its creation. */
export function lastActivity(token: Pick<InactivityFacts, 'createdAt' | 'activeAt'>): number {
  return token.activeAt ?? token.createdAt;
}

/**
 * What the sweep does to one token now. Warned `warningDays` before it goes stale (once for each
 * stretch of inactivity: a use since the warning starts a new one), revoked when stale — but never
 * sooner than `warningDays` after its warning, so a policy that is new, or a sweep that was not
 * running, never revokes without the warning's notice.
 */
export function inactivityStep(rule: InactivityRule, token: InactivityFacts, now: number): InactivityStep {
  const last = lastActivity(token);
  const idle = now - last;
  if (idle < (rule.days - rule.warningDays) * DAY_MS) return 'none';
  const warned = token.warning !== null && token.warning.warnedFor >= last;
  if (!warned) return 'warn';
  if (idle >= rule.days * DAY_MS && now - token.warning!.warnedAt >= rule.warningDays * DAY_MS) return 'revoke';
  return 'none';
}

/** The latest activity a token may have and still be due a warning under any of these rules: the sweep reads only those. */
export function inactivityCutoff(rules: readonly InactivityRule[], now: number): number | null {
  if (rules.length === 0) return null;
  return now - Math.min(...rules.map((r) => r.days - r.warningDays)) * DAY_MS;
}

/** The instant a token stale under `rule` last did anything at the latest. */
export function staleBefore(rule: InactivityRule, now: number): number {
  return now - rule.days * DAY_MS;
}
