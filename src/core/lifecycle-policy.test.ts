import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DAY_MS,
  inactivityCutoff,
  inactivityStep,
  lifecyclePolicyProblem,
  mergePolicies,
  policyViolation,
  strictestInactivity,
  type LevelPolicy,
  type LifecyclePolicy,
  type TokenShape,
} from './lifecycle-policy.js';

const NOW = 1_800_000_000_000;
const installation = (policy: LifecyclePolicy): LevelPolicy => ({ level: { kind: 'installation' }, policy });
const team = (policy: LifecyclePolicy): LevelPolicy => ({ level: { kind: 'team', teamId: 'team_1', slug: 'acme' }, policy });
const token = (more: Partial<TokenShape> = {}): TokenShape => ({ type: 'api', scopes: [], expiresAt: null, bornAt: NOW, ...more });

describe('lifecycle policies: maxLifetime', () => {
  const levels = [team({ maxLifetime: { api: 90 } })];

  it('allows a token that lives the maximum or less', () => {
    assert.equal(policyViolation(levels, token({ expiresAt: NOW + 90 * DAY_MS })), null);
    assert.equal(policyViolation(levels, token({ expiresAt: NOW + DAY_MS })), null);
  });

  it('refuses a token that would live longer, or never expire, naming the rule, its level and the limit', () => {
    const longer = policyViolation(levels, token({ expiresAt: NOW + 90 * DAY_MS + 1 }));
    assert.equal(longer?.rule, 'maxLifetime');
    assert.match(longer!.message, /^maxLifetime \(team acme\): 90 days/);
    assert.equal(policyViolation(levels, token())?.rule, 'maxLifetime');
  });

  it('counts the lifetime from the token`s birth (its creation, for an update)', () => {
    const old = token({ bornAt: NOW - 80 * DAY_MS, expiresAt: NOW + 20 * DAY_MS });
    assert.equal(policyViolation(levels, old)?.rule, 'maxLifetime');
    assert.equal(policyViolation(levels, { ...old, expiresAt: NOW + 10 * DAY_MS }), null);
  });

  it('holds only the types it names', () => {
    assert.equal(policyViolation(levels, token({ type: 'personal' })), null);
  });

  it('names the stricter level when both limit the type', () => {
    const both = [installation({ maxLifetime: { api: 30 } }), team({ maxLifetime: { api: 90 } })];
    const found = policyViolation(both, token({ expiresAt: NOW + 60 * DAY_MS }));
    assert.match(found!.message, /^maxLifetime \(installation\): 30 days/);
    const looser = [installation({ maxLifetime: { api: 90 } }), team({ maxLifetime: { api: 30 } })];
    assert.match(policyViolation(looser, token({ expiresAt: NOW + 60 * DAY_MS }))!.message, /^maxLifetime \(team acme\): 30 days/);
  });
});

describe('lifecycle policies: expiryRequired', () => {
  it('refuses a token of a listed type without an expiry, and allows one with any expiry', () => {
    const levels = [installation({ expiryRequired: ['personal'] })];
    const found = policyViolation(levels, token({ type: 'personal' }));
    assert.equal(found?.rule, 'expiryRequired');
    assert.match(found!.message, /^expiryRequired \(installation\)/);
    assert.equal(policyViolation(levels, token({ type: 'personal', expiresAt: NOW + 3650 * DAY_MS })), null);
    assert.equal(policyViolation(levels, token({ type: 'api' })), null);
  });
});

describe('lifecycle policies: allowedScopes', () => {
  const levels = [installation({ allowedScopes: ['documents:*', 'tokens:read'] })];

  it('allows scopes each covered by a pattern, and no scopes at all', () => {
    assert.equal(policyViolation(levels, token({ scopes: ['documents:read', 'documents:*', 'tokens:read'] })), null);
    assert.equal(policyViolation(levels, token({ scopes: [] })), null);
  });

  it('refuses `*` and any scope no pattern covers, naming them', () => {
    const star = policyViolation(levels, token({ scopes: ['*'] }));
    assert.equal(star?.rule, 'allowedScopes');
    assert.match(star!.message, /^allowedScopes \(installation\): \*/);
    assert.match(policyViolation(levels, token({ scopes: ['documents:read', 'tokens:write'] }))!.message, /tokens:write/);
  });

  it('holds each level`s list: a scope must pass both', () => {
    const both = [installation({ allowedScopes: ['*'] }), team({ allowedScopes: ['billing:read'] })];
    assert.match(policyViolation(both, token({ scopes: ['documents:read'] }))!.message, /^allowedScopes \(team acme\)/);
    assert.equal(policyViolation(both, token({ scopes: ['billing:read'] })), null);
  });

  it('checks only the rules asked for (an update that changes only scopes)', () => {
    const mixed = [installation({ allowedScopes: ['a'], maxLifetime: { api: 1 } })];
    assert.equal(policyViolation(mixed, token({ scopes: ['a'] }), { lifetime: false, scopes: true }), null);
    assert.equal(policyViolation(mixed, token({ scopes: ['b'] }), { lifetime: true, scopes: false })?.rule, 'maxLifetime');
  });
});

describe('lifecycle policies: stricter wins when merged', () => {
  it('keeps the shorter lifetime, every required type, the fewer inactivity days and the scopes both allow', () => {
    const merged = mergePolicies(
      { maxLifetime: { api: 90, personal: 30 }, expiryRequired: ['api'], inactivityDays: 60, allowedScopes: ['*'] },
      { maxLifetime: { api: 30, resource: 10 }, expiryRequired: ['personal'], inactivityDays: 90, allowedScopes: ['documents:*', 'tokens:read'] },
    );
    assert.deepEqual(merged.maxLifetime, { api: 30, personal: 30, resource: 10 });
    assert.deepEqual(merged.expiryRequired, ['api', 'personal']);
    assert.equal(merged.inactivityDays, 60);
    assert.deepEqual([...merged.allowedScopes!].sort(), ['documents:*', 'tokens:read']);
  });

  it('narrows overlapping patterns to the narrower one, and an empty pair of policies to no rules', () => {
    assert.deepEqual(mergePolicies({ allowedScopes: ['documents:*'] }, { allowedScopes: ['documents:read', 'billing:read'] }).allowedScopes, [
      'documents:read',
    ]);
    assert.deepEqual(mergePolicies({}, {}), {});
  });
});

describe('lifecycle policies: a policy`s own consistency', () => {
  it('refuses a warning not shorter than the inactivity, or without one', () => {
    assert.match(lifecyclePolicyProblem({ inactivityDays: 7, inactivityWarningDays: 7 })!, /inactivityWarningDays/);
    assert.match(lifecyclePolicyProblem({ inactivityWarningDays: 3 })!, /inactivityWarningDays/);
    assert.equal(lifecyclePolicyProblem({ inactivityDays: 30, inactivityWarningDays: 29 }), null);
    assert.equal(lifecyclePolicyProblem({}), null);
  });
});

describe('lifecycle policies: inactivity', () => {
  const rule = { days: 30, warningDays: 7, level: { kind: 'installation' as const } };
  const facts = (idleDays: number, warning: { warnedFor: number; warnedAt: number } | null = null) => ({
    createdAt: NOW - 400 * DAY_MS,
    activeAt: NOW - idleDays * DAY_MS,
    warning,
  });

  it('does nothing to a token used recently', () => {
    assert.equal(inactivityStep(rule, facts(22), NOW), 'none');
  });

  it('warns once the warning days before revocation begin, then waits', () => {
    assert.equal(inactivityStep(rule, facts(23), NOW), 'warn');
    const warned = { warnedFor: NOW - 23 * DAY_MS, warnedAt: NOW };
    assert.equal(inactivityStep(rule, facts(23, warned), NOW), 'none');
  });

  it('revokes a stale token warned the warning days before', () => {
    const warned = { warnedFor: NOW - 30 * DAY_MS, warnedAt: NOW - 7 * DAY_MS };
    assert.equal(inactivityStep(rule, facts(30, warned), NOW), 'revoke');
  });

  it('never revokes sooner than the warning days after the warning, however stale', () => {
    const justWarned = { warnedFor: NOW - 300 * DAY_MS, warnedAt: NOW - 6 * DAY_MS };
    assert.equal(inactivityStep(rule, facts(300, justWarned), NOW), 'none');
    assert.equal(inactivityStep(rule, facts(300), NOW), 'warn');
  });

  it('warns again of a new stretch of inactivity: a warning of an older one does not count', () => {
    const oldWarning = { warnedFor: NOW - 100 * DAY_MS, warnedAt: NOW - 70 * DAY_MS };
    assert.equal(inactivityStep(rule, facts(30, oldWarning), NOW), 'warn');
  });

  it('counts from creation when the token was never used', () => {
    assert.equal(inactivityStep(rule, { createdAt: NOW - 23 * DAY_MS, activeAt: null, warning: null }, NOW), 'warn');
    assert.equal(inactivityStep(rule, { createdAt: NOW - 22 * DAY_MS, activeAt: null, warning: null }, NOW), 'none');
  });

  it('takes the fewest days of the levels, with that level`s warning, and reads from the earliest warning', () => {
    const strictest = strictestInactivity([installation({ inactivityDays: 90 }), team({ inactivityDays: 30, inactivityWarningDays: 3 })]);
    assert.deepEqual(strictest, { days: 30, warningDays: 3, level: { kind: 'team', teamId: 'team_1', slug: 'acme' } });
    assert.equal(strictestInactivity([installation({})]), null);
    assert.equal(strictestInactivity([installation({ inactivityDays: 2 })])!.warningDays, 1);
    assert.equal(inactivityCutoff([rule, { ...rule, days: 10, warningDays: 1 }], NOW), NOW - 9 * DAY_MS);
    assert.equal(inactivityCutoff([], NOW), null);
  });
});
