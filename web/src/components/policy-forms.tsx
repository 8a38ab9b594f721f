import '../tokens.css';
import { useEffect, useId, useState } from 'react';
import {
  clearLeakPolicy,
  describePolicy,
  getLeakPolicy,
  getPolicy,
  LEAK_ACTION_WORDS,
  LEAK_ACTIONS,
  POLICY_TOKEN_TYPES,
  putLeakPolicy,
  putPolicy,
  type LeakAction,
  type LeakPolicy,
  type LifecyclePolicy,
  type PolicyAnswer,
} from '../governance';
import { useSession } from '../session';
import { formatDuration, formatTime, HOUR } from '../time';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';
import { ErrorMessage, Loading } from './feedback';

/** A list of rules, or "no rules", as read by anyone allowed to read the policy. */
/** A policy form's end: its save button, what went wrong, and "Saved." once it is. */
function SaveFooter({ label, busy, error, done }: { label: string; busy: boolean; error: Error | string | undefined; done: boolean }) {
  return (
    <>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : label}
        </button>
      </div>
      <ErrorMessage error={error} />
      {done ? (
        <p role="status" className="ok">
          Saved.
        </p>
      ) : null}
    </>
  );
}

function Rules({ policy, none }: { policy: LifecyclePolicy; none: string }) {
  const lines = describePolicy(policy);
  if (lines.length === 0) return <p className="muted">{none}</p>;
  return (
    <ul className="rules">
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

function Updated({ at, by }: { at: number | null; by: string | null }) {
  const { session } = useSession();
  if (at === null) return null;
  const who = by === null ? '' : by === session?.user.id ? ' by you' : ` by ${by}`;
  return (
    <p className="muted">
      Last set {formatTime(at)}
      {who}.
    </p>
  );
}

const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text.trim()));

/**
 * A level's lifecycle policy (the installation's, or a team's with the merged `effective` rules):
 * its rules in words, and for those who may set it a form with every rule; a blank field is no rule.
 */
export function LifecyclePolicySection({ teamId, editable, heading }: { teamId?: string; editable: boolean; heading: string }) {
  const id = useId();
  const loaded = useLoad(() => getPolicy(teamId), [teamId]);
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{heading}</h2>
      <ErrorMessage error={loaded.error} />
      {loaded.data ? (
        <>
          <Rules policy={loaded.data.policy} none={teamId ? 'This team has no rules of its own.' : 'No rules: tokens may live as long as their makers say.'} />
          <Updated at={loaded.data.updatedAt} by={loaded.data.updatedBy} />
          {loaded.data.effective ? (
            <>
              <h3>What applies to this team’s tokens</h3>
              <p className="muted">This team’s rules and the installation’s together: the stricter of each.</p>
              <Rules policy={loaded.data.effective} none="No rules apply." />
            </>
          ) : null}
          {editable ? (
            <LifecycleForm answer={loaded.data} teamId={teamId} onSaved={loaded.reload} />
          ) : (
            <p className="muted">{teamId ? 'Only the team’s owners and admins change it.' : 'Only admins change it.'}</p>
          )}
        </>
      ) : loaded.error ? null : (
        <Loading what="the policy" />
      )}
    </section>
  );
}

function LifecycleForm({ answer, teamId, onSaved }: { answer: PolicyAnswer; teamId: string | undefined; onSaved(): void }) {
  const id = useId();
  const p = answer.policy;
  const [lifetimes, setLifetimes] = useState(() => Object.fromEntries(POLICY_TOKEN_TYPES.map((t) => [t, p.maxLifetime?.[t]?.toString() ?? ''])));
  const [required, setRequired] = useState<string[]>(p.expiryRequired ?? []);
  const [inactivity, setInactivity] = useState(p.inactivityDays?.toString() ?? '');
  const [warning, setWarning] = useState(p.inactivityWarningDays?.toString() ?? '');
  const [scopes, setScopes] = useState(p.allowedScopes?.join(', ') ?? '');
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useAction(async () => {
    setDone(false);
    const policy: LifecyclePolicy = {};
    const maxLifetime: LifecyclePolicy['maxLifetime'] = {};
    for (const type of POLICY_TOKEN_TYPES) {
      const days = numberOrUndefined(lifetimes[type] ?? '');
      if (days === undefined) continue;
      if (!Number.isInteger(days) || days < 1) throw new Error(`The longest life of ${type} tokens must be a whole number of days, 1 or more.`);
      maxLifetime[type] = days;
    }
    if (Object.keys(maxLifetime).length) policy.maxLifetime = maxLifetime;
    if (required.length) policy.expiryRequired = required as LifecyclePolicy['expiryRequired'];
    const days = numberOrUndefined(inactivity);
    const warn = numberOrUndefined(warning);
    if (days !== undefined) {
      if (!Number.isInteger(days) || days < 1) throw new Error('Inactivity must be a whole number of days, 1 or more.');
      policy.inactivityDays = days;
      if (warn !== undefined) {
        if (!Number.isInteger(warn) || warn < 0 || warn >= days) throw new Error('The warning must be a whole number of days, fewer than the inactivity days.');
        policy.inactivityWarningDays = warn;
      }
    } else if (warn !== undefined) throw new Error('A warning needs inactivity days to count back from.');
    const listed = scopes
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (listed.length) policy.allowedScopes = listed;
    await putPolicy(policy, teamId);
    setDone(true);
    onSaved();
  });
  const field = (suffix: string) => `${id}-${suffix}`;
  return (
    <form onSubmit={submit} aria-labelledby={field('title')} noValidate>
      <h3 id={field('title')}>Change the rules</h3>
      <p className="muted">Leave a field empty for no rule. Tokens made before keep working; a rule applies at their next create, rotate or update.</p>
      <fieldset>
        <legend>Longest life, in days</legend>
        <div className="form-grid">
          {POLICY_TOKEN_TYPES.map((type) => (
            <div key={type}>
              <label htmlFor={field(`life-${type}`)}>{type} tokens</label>
              <input
                id={field(`life-${type}`)}
                inputMode="numeric"
                value={lifetimes[type]}
                onChange={(e) => setLifetimes({ ...lifetimes, [type]: e.target.value })}
              />
            </div>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Must have an expiry</legend>
        {POLICY_TOKEN_TYPES.map((type) => (
          <label key={type} className="check">
            <input
              type="checkbox"
              checked={required.includes(type)}
              onChange={(e) => setRequired(e.target.checked ? [...required, type] : required.filter((t) => t !== type))}
            />{' '}
            {type} tokens
          </label>
        ))}
      </fieldset>
      <div className="form-grid">
        <div>
          <label htmlFor={field('inactivity')}>Revoke tokens unused for (days)</label>
          <input id={field('inactivity')} inputMode="numeric" value={inactivity} onChange={(e) => setInactivity(e.target.value)} />
        </div>
        <div>
          <label htmlFor={field('warning')}>Warn this many days before (default 7)</label>
          <input id={field('warning')} inputMode="numeric" value={warning} onChange={(e) => setWarning(e.target.value)} />
        </div>
      </div>
      <label htmlFor={field('scopes')}>Allowed scopes</label>
      <input id={field('scopes')} value={scopes} spellCheck={false} aria-describedby={field('scopes-help')} onChange={(e) => setScopes(e.target.value)} />
      <p id={field('scopes-help')} className="muted">
        Patterns separated by commas, e.g. <code>tokens:*, documents:read</code>. Leave out <code>*</code> to forbid all-powerful tokens.
      </p>
      <SaveFooter label="Save the policy" busy={busy} error={error} done={done} />
    </form>
  );
}

/** What happens to a leaked key of this level: the action in words, and a form for those who may set it. */
export function LeakPolicySection({ teamId, editable, heading }: { teamId?: string; editable: boolean; heading: string }) {
  const id = useId();
  const loaded = useLoad(() => getLeakPolicy(teamId), [teamId]);
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{heading}</h2>
      <ErrorMessage error={loaded.error} />
      {loaded.data ? (
        <>
          <p>
            When a key is reported leaked: <strong>{leakWords(loaded.data)}</strong>
            {loaded.data.inherited ? ' (the installation’s default; this team has set none)' : ''}.
          </p>
          <Updated at={loaded.data.updatedAt} by={loaded.data.updatedBy} />
          {editable ? (
            <>
              <LeakForm policy={loaded.data} teamId={teamId} onSaved={loaded.reload} />
              {teamId && !loaded.data.inherited ? <FollowDefault teamId={teamId} onCleared={loaded.reload} /> : null}
            </>
          ) : (
            <p className="muted">{teamId ? 'Only the team’s owners and admins change it.' : 'Only admins change it.'}</p>
          )}
        </>
      ) : loaded.error ? null : (
        <Loading what="the leak policy" />
      )}
    </section>
  );
}

/** A team with a leak policy of its own goes back to the installation's default, and follows it as it changes. */
function FollowDefault({ teamId, onCleared }: { teamId: string; onCleared(): void }) {
  const { busy, error, run } = useAction(async () => {
    await clearLeakPolicy(teamId);
    onCleared();
  });
  return (
    <div className="form-actions">
      <button type="button" className="secondary" disabled={busy} onClick={() => void run()}>
        {busy ? 'Clearing…' : 'Follow the installation’s default instead'}
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}

export function leakWords(policy: Pick<LeakPolicy, 'action' | 'gracePeriodMs'>): string {
  const words = LEAK_ACTION_WORDS[policy.action];
  return policy.action === 'rotate' && policy.gracePeriodMs !== null ? `${words} (${formatDuration(policy.gracePeriodMs)})` : words;
}

function LeakForm({ policy, teamId, onSaved }: { policy: LeakPolicy; teamId: string | undefined; onSaved(): void }) {
  const id = useId();
  const [action, setAction] = useState<LeakAction>(policy.action);
  const [graceHours, setGraceHours] = useState(policy.gracePeriodMs === null ? '24' : String(policy.gracePeriodMs / HOUR));
  const [done, setDone] = useState(false);
  useEffect(() => setDone(false), [action]);
  const { busy, error, submit } = useAction(async () => {
    setDone(false);
    let gracePeriodMs: number | null = null;
    if (action === 'rotate') {
      const hours = Number(graceHours.trim());
      if (graceHours.trim() === '' || !Number.isFinite(hours) || hours < 0 || hours > 720)
        throw new Error('The grace period is a number of hours from 0 to 720 (30 days).');
      gracePeriodMs = Math.round(hours * HOUR);
    }
    await putLeakPolicy({ action, gracePeriodMs }, teamId);
    setDone(true);
    onSaved();
  });
  return (
    <form onSubmit={submit} noValidate>
      <fieldset>
        <legend>When a key is reported leaked</legend>
        {LEAK_ACTIONS.map((a) => (
          <label key={a} className="check">
            <input type="radio" name={`${id}-action`} value={a} checked={action === a} onChange={() => setAction(a)} /> {LEAK_ACTION_WORDS[a]}
          </label>
        ))}
      </fieldset>
      {action === 'rotate' ? (
        <>
          <label htmlFor={`${id}-grace`}>The leaked secret keeps working for (hours)</label>
          <input id={`${id}-grace`} inputMode="decimal" value={graceHours} onChange={(e) => setGraceHours(e.target.value)} />
        </>
      ) : null}
      <SaveFooter label="Save the leak policy" busy={busy} error={error} done={done} />
    </form>
  );
}
