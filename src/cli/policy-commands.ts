import type { Command } from 'commander';
import { LEAK_ACTIONS, leakPolicyProblem, MAX_LEAK_GRACE_MS } from '../core/leak-policy.js';
import { DAY_MS, lifecyclePolicyProblem, type LifecyclePolicy } from '../core/lifecycle-policy.js';
import { SCOPE_PATTERN } from '../core/scopes.js';
import { TOKEN_TYPES } from '../core/token.js';
import { ApiError, apiRequest, type ApiClientOptions } from './api-client.js';
import { clientCommand, collect, connection, listCell, oneOf, parseInteger, print, seg, type ClientFlags } from './client-kit.js';
import { formatDuration, formatTable, formatTime, parseDuration } from './table.js';

interface Lifecycle {
  maxLifetime?: Partial<Record<string, number>>;
  expiryRequired?: string[];
  inactivityDays?: number;
  inactivityWarningDays?: number;
  allowedScopes?: string[];
}

interface PolicyResponse {
  level: string;
  teamId: string | null;
  policy: Lifecycle;
  effective?: Lifecycle;
  updatedAt: number | null;
  updatedBy: string | null;
}

interface LeakPolicy {
  teamId: string | null;
  action: string;
  gracePeriodMs: number | null;
  inherited: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
}

interface PolicyFlags extends ClientFlags {
  team?: string;
  maxLifetime?: string[];
  expiryRequired?: string[];
  inactivityDays?: string;
  inactivityWarningDays?: string;
  allowedScope?: string[];
  unset?: string[];
  clear?: boolean;
  leakAction?: string;
  leakGrace?: string;
  leakFollowDefault?: boolean;
}

const RULES = ['maxLifetime', 'expiryRequired', 'inactivityDays', 'inactivityWarningDays', 'allowedScopes'] as const;

const lifecyclePath = (team: string | undefined) => (team ? `/v1/teams/${seg(team)}/policies` : '/v1/policies');
const leakPath = (team: string | undefined) => (team ? `/v1/teams/${seg(team)}/leak-policy` : '/v1/leak-policy');

function ruleRows(p: Lifecycle): string[][] {
  const lifetimes = Object.entries(p.maxLifetime ?? {}).map(([type, days]) => `${type} ${days}d`);
  return [
    ['max lifetime', listCell(lifetimes)],
    ['expiry required', listCell(p.expiryRequired ?? [])],
    ['inactivity days', p.inactivityDays === undefined ? '-' : String(p.inactivityDays)],
    ['inactivity warning days', p.inactivityWarningDays === undefined ? '-' : String(p.inactivityWarningDays)],
    ['allowed scopes', listCell(p.allowedScopes ?? [])],
  ];
}

function describe(lifecycle: PolicyResponse, leak: LeakPolicy | string): string {
  const rows = [
    ['level', lifecycle.teamId ? `team ${lifecycle.teamId}` : lifecycle.level],
    ...ruleRows(lifecycle.policy),
    ['updated', lifecycle.updatedAt === null ? '-' : `${formatTime(lifecycle.updatedAt)} by ${lifecycle.updatedBy ?? '-'}`],
  ];
  if (lifecycle.effective) rows.push(...ruleRows(lifecycle.effective).map(([rule, value]) => [`in force: ${rule}`, value!]));
  if (typeof leak === 'string') rows.push(['leak policy', leak]);
  else {
    const grace = leak.gracePeriodMs === null ? '' : ` (old secret works ${formatDuration(leak.gracePeriodMs)})`;
    const origin = !leak.inherited ? '' : leak.teamId ? ", inherited from the installation's" : ', the built-in default';
    rows.push(['leak policy', `${leak.action}${grace}${origin}`]);
  }
  return formatTable(['rule', 'value'], rows as string[][]);
}

/** The leak policy, or why the caller may not read it (it needs teams:read, the lifecycle policy policies:read). */
async function readLeak(api: ApiClientOptions, team: string | undefined): Promise<LeakPolicy | string> {
  try {
    return await apiRequest<LeakPolicy>(api, 'GET', leakPath(team));
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return `not readable with this token (${error.code})`;
    throw error;
  }
}

/** The flag that sets each field of the API's bodies: a refusal names what the user typed. */
const FLAG_OF: Record<string, string> = {
  maxLifetime: '--max-lifetime',
  expiryRequired: '--expiry-required',
  inactivityDays: '--inactivity-days',
  inactivityWarningDays: '--inactivity-warning-days',
  allowedScopes: '--allowed-scope',
  action: '--leak-action',
  gracePeriodMs: '--leak-grace',
};

/** A core rule's refusal, with each API field it names replaced by its flag. */
const inFlagTerms = (problem: string): string => problem.replace(/\b[a-zA-Z]+\b/g, (word) => FLAG_OF[word] ?? word);

/** A lifetime in days: a whole number (days), or a duration in whole days such as 90d or 2w. */
function lifetimeDays(text: string, flag: string): number {
  if (/^\d+$/.test(text.trim())) return parseInteger(text, flag, 1, 36_500);
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new Error(`${flag} must be days (90) or a duration in whole days (90d, 2w), got "${text}"`);
  }
  if (ms % DAY_MS !== 0) throw new Error(`${flag} must be whole days, got "${text}"`);
  return parseInteger(String(ms / DAY_MS), flag, 1, 36_500);
}

const SCOPE = new RegExp(SCOPE_PATTERN);

/** The level's rules with the flags applied: what is not named is kept. Refuses what the server would, naming the flag. */
function changed(current: Lifecycle, flags: PolicyFlags): Lifecycle {
  const next: Lifecycle = flags.clear ? {} : { ...current };
  for (const rule of flags.unset ?? []) delete next[oneOf(rule, '--unset', RULES)];
  if (flags.maxLifetime) {
    const lifetimes: Record<string, number> = {};
    for (const entry of flags.maxLifetime) {
      const [type, days] = entry.split('=');
      if (days === undefined) throw new Error(`invalid --max-lifetime "${entry}": use type=days, e.g. api=90 or api=90d`);
      lifetimes[oneOf(type!, '--max-lifetime type', TOKEN_TYPES)] = lifetimeDays(days, `--max-lifetime ${type}`);
    }
    next.maxLifetime = lifetimes;
  }
  // The API refuses a type listed twice; listing it once means the same.
  if (flags.expiryRequired) next.expiryRequired = [...new Set(flags.expiryRequired.map((t) => oneOf(t, '--expiry-required', TOKEN_TYPES)))];
  if (flags.inactivityDays !== undefined) next.inactivityDays = parseInteger(flags.inactivityDays, '--inactivity-days', 1, 36_500);
  if (flags.inactivityWarningDays !== undefined) next.inactivityWarningDays = parseInteger(flags.inactivityWarningDays, '--inactivity-warning-days', 0, 36_499);
  if (flags.allowedScope) {
    const bad = flags.allowedScope.find((pattern) => pattern.length > 129 || !SCOPE.test(pattern));
    if (bad !== undefined) throw new Error(`--allowed-scope must be a scope or a pattern ending in * (letters, digits, _ . : / -), got "${bad}"`);
    if (flags.allowedScope.length > 200) throw new Error(`--allowed-scope may be given at most 200 times`);
    next.allowedScopes = flags.allowedScope;
  }
  // Judged on the whole result: --inactivity-warning-days is weighed against the stored --inactivity-days too.
  // Each type in it was checked above to be one of TOKEN_TYPES.
  const problem = lifecyclePolicyProblem(next as LifecyclePolicy);
  if (problem) throw new Error(inFlagTerms(problem));
  return next;
}

/** The leak policy's body, refused here as the server would refuse it, so that nothing is written before a refusal. */
function leakBodyOf(flags: PolicyFlags): { action: string; gracePeriodMs?: number } | undefined {
  if (flags.leakAction === undefined) return undefined;
  const action = oneOf(flags.leakAction, '--leak-action', LEAK_ACTIONS);
  let grace: number | undefined;
  if (flags.leakGrace !== undefined) {
    try {
      grace = parseDuration(flags.leakGrace);
    } catch (error) {
      throw new Error(`--leak-grace: ${(error as Error).message}`, { cause: error });
    }
    if (grace > MAX_LEAK_GRACE_MS) throw new Error(`--leak-grace may be at most 30d, got "${flags.leakGrace}"`);
  }
  const body = { action, ...(grace !== undefined ? { gracePeriodMs: grace } : {}) };
  const problem = leakPolicyProblem(body);
  if (problem) throw new Error(inFlagTerms(problem));
  return body;
}

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description("lifecycle and leak policies: the installation's, or a team's with --team");

  clientCommand(policy.command('show'))
    .description("show a level's lifecycle rules (and, for a team, those in force) and its leak policy")
    .option('--team <team>', 'team id or slug')
    .action(async (flags: PolicyFlags) => {
      const api = connection(flags);
      const lifecycle = await apiRequest<PolicyResponse>(api, 'GET', lifecyclePath(flags.team));
      const leak = await readLeak(api, flags.team);
      print(flags, { lifecycle, leak }, () => describe(lifecycle, leak));
    });

  clientCommand(policy.command('set'))
    .description('change the rules you name and keep the others (admins; team owners with --team)')
    .option('--team <team>', 'team id or slug')
    .option(
      '--max-lifetime <type=days>',
      `longest life of a token type (${TOKEN_TYPES.join(', ')}) in days, e.g. api=90, or in whole days of a duration, api=12w (repeatable; replaces the rule)`,
      collect,
    )
    .option('--expiry-required <type>', 'a token type that must have an expiry (repeatable; replaces the rule)', collect)
    .option('--inactivity-days <n>', 'revoke tokens unused this many days')
    .option('--inactivity-warning-days <n>', 'warn this many days before that revocation')
    .option('--allowed-scope <pattern>', 'a scope pattern tokens may hold, e.g. docs:* (repeatable; replaces the rule)', collect)
    .option('--unset <rule>', `remove a rule: ${RULES.join(', ')} (repeatable)`, collect)
    .option('--clear', 'start from no rules')
    .option('--leak-action <action>', `what a reported leak does: ${LEAK_ACTIONS.join(', ')}`)
    .option('--leak-grace <duration>', 'with rotate: how long the leaked secret keeps working, e.g. 1h')
    .option('--leak-follow-default', "with --team: clear the team's leak policy, so it follows the installation's default again")
    .action(async (flags: PolicyFlags) => {
      const api = connection(flags);
      const lifecycleGiven = [
        flags.maxLifetime,
        flags.expiryRequired,
        flags.inactivityDays,
        flags.inactivityWarningDays,
        flags.allowedScope,
        flags.unset,
        flags.clear,
      ].some((v) => v !== undefined);
      if (flags.leakGrace !== undefined && flags.leakAction === undefined) throw new Error('--leak-grace goes with --leak-action rotate');
      if (flags.leakFollowDefault && (flags.leakAction !== undefined || flags.team === undefined))
        throw new Error("--leak-follow-default goes with --team, and not with --leak-action: the installation's own policy is the default");
      if (!lifecycleGiven && flags.leakAction === undefined && !flags.leakFollowDefault)
        throw new Error('nothing to change: give at least one rule (see --help)');
      // Both bodies are checked before either is sent (the lifecycle one against the rules read first),
      // so a bad flag changes nothing.
      const leakBody = leakBodyOf(flags);
      const next = lifecycleGiven ? changed((await apiRequest<PolicyResponse>(api, 'GET', lifecyclePath(flags.team))).policy, flags) : undefined;
      let lifecycle: PolicyResponse | undefined;
      if (next) lifecycle = await apiRequest<PolicyResponse>(api, 'PUT', lifecyclePath(flags.team), next);
      let leak: LeakPolicy | string;
      try {
        leak = flags.leakFollowDefault
          ? await apiRequest<LeakPolicy>(api, 'DELETE', leakPath(flags.team))
          : leakBody === undefined
            ? await readLeak(api, flags.team)
            : await apiRequest<LeakPolicy>(api, 'PUT', leakPath(flags.team), leakBody);
      } catch (error) {
        // Not a flag (the two routes need different scopes, teams:write and policies:write): say what was kept.
        if (lifecycle && (flags.leakFollowDefault || leakBody))
          throw new Error(`the lifecycle rules were saved, the leak policy was not: ${(error as Error).message}`, { cause: error });
        throw error;
      }
      lifecycle ??= await apiRequest<PolicyResponse>(api, 'GET', lifecyclePath(flags.team));
      const shown = lifecycle;
      print(flags, { lifecycle: shown, leak }, () => `Updated.\n${describe(shown, leak)}`);
    });
}
