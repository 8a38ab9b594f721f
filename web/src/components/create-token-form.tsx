import { useId, useState, type FormEvent } from 'react';
import { api } from '../api';
import { grants, useSession } from '../session';
import { DAY } from '../time';
import { writableTeams, type IssuedToken, type Whoami } from '../token-model';
import { ErrorMessage } from './feedback';
import { useAction } from '../use-action';
import { RateLimitRows, UNIT_MS, type RateLimitDraft } from './rate-limit-rows';

// The API's own rules (src/http/schemas/token-schemas.ts), checked here first to say what is wrong in words.
const SCOPE = /^(\*|[A-Za-z0-9_.:/-]{1,128}\*?)$/;
const CREDITS = /^\d{0,10}(?:\.\d{0,9})?$/;
const LIMIT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}(\/\d{1,3})?$/;
const MAX_WINDOW_MS = 31 * DAY;

/** An IPv4 address or CIDR range: four numbers up to 255, a prefix up to 32. */
function isIpv4(text: string): boolean {
  const match = IPV4.exec(text);
  if (!match) return false;
  const [address, prefix] = text.split('/');
  return address!.split('.').every((n) => Number(n) <= 255) && (prefix === undefined || Number(prefix) <= 32);
}

type Expiry = 'never' | '7' | '30' | '90' | 'custom';

/** Words split on commas, spaces or lines, empties dropped. */
const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/**
 * Every field `POST /v1/tokens` takes, checked before it is sent; on success the parent shows the
 * secret once. Fields that need a scope the session lacks (credits) say so instead of failing.
 */
export function CreateTokenForm({ me, onCreated, onCancel }: { me: Whoami | undefined; onCreated: (issued: IssuedToken) => void; onCancel: () => void }) {
  const id = useId();
  const { session } = useSession();
  const mayCredit = grants(session, 'credits:write');
  const teams = writableTeams(me);
  const [name, setName] = useState('');
  const [type, setType] = useState<'api' | 'personal' | 'resource'>('api');
  const [teamId, setTeamId] = useState('');
  const [scopes, setScopes] = useState('');
  const [expiry, setExpiry] = useState<Expiry>('30');
  const [customDate, setCustomDate] = useState('');
  const [credits, setCredits] = useState('');
  const [creditPool, setCreditPool] = useState(false);
  const [refillInterval, setRefillInterval] = useState<'' | 'daily' | 'monthly'>('');
  const [refillAmount, setRefillAmount] = useState('');
  const [refillDay, setRefillDay] = useState('1');
  const [rateLimits, setRateLimits] = useState<RateLimitDraft[]>([]);
  const [ipAllowlist, setIpAllowlist] = useState('');
  const [environment, setEnvironment] = useState('');
  const [projects, setProjects] = useState('');
  const [resourceKind, setResourceKind] = useState('');
  const [resourceId, setResourceId] = useState('');
  const [metadata, setMetadata] = useState('');
  // Once a submit has found problems, the list follows the form as it is fixed.
  const [checked, setChecked] = useState(false);

  /** The request body, or the list of what is wrong with the form. */
  const build = (): { body: Record<string, unknown> } | { problems: string[] } => {
    const wrong: string[] = [];
    const body: Record<string, unknown> = { name: name.trim(), type };
    if (!name.trim()) wrong.push('Name: give the token a name.');
    else if (name.trim().length > 200) wrong.push('Name: at most 200 characters.');
    if (teamId) body.teamId = teamId;
    const scopeList = words(scopes);
    const badScope = scopeList.find((s) => !SCOPE.test(s));
    if (badScope) wrong.push(`Scopes: “${badScope}” is not a scope (letters, digits and _ . : / -, at most 128, optionally ending in *).`);
    if (scopeList.length > 100) wrong.push('Scopes: at most 100.');
    body.scopes = scopeList;
    if (expiry === 'custom') {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(customDate);
      if (!match) wrong.push('Expiry: pick a date.');
      else {
        // The end of that day, where the person is.
        const at = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59, 999).getTime();
        if (at <= Date.now()) wrong.push('Expiry: the date must be in the future.');
        body.expiresAt = at;
      }
    } else body.expiresAt = expiry === 'never' ? null : Date.now() + Number(expiry) * DAY;
    if (credits.trim()) {
      if (!CREDITS.test(credits.trim()) || credits.trim() === '.') wrong.push('Credits: a number of credits, e.g. 100 or 12.5 (up to 9 decimals).');
      body.credits = credits.trim();
    }
    if (creditPool) body.creditPool = true;
    if (refillInterval) {
      if (!CREDITS.test(refillAmount.trim()) || !refillAmount.trim()) wrong.push('Refill: how many credits to refill to, e.g. 1000.');
      const day = Number(refillDay);
      if (refillInterval === 'monthly' && !(Number.isInteger(day) && day >= 1 && day <= 31)) wrong.push('Refill: the day of the month is 1 to 31.');
      body.refill = { amount: refillAmount.trim(), interval: refillInterval, ...(refillInterval === 'monthly' ? { dayOfMonth: day } : {}) };
    }
    const limits = rateLimits.map((row, i) => {
      const limit = Number(row.limit);
      const durationMs = Number(row.duration) * UNIT_MS[row.unit];
      if (!LIMIT_NAME.test(row.name)) wrong.push(`Rate limit ${i + 1}: a name of letters, digits and _ . : - (e.g. “burst”).`);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000_000)
        wrong.push(`Rate limit ${i + 1}: the limit is a whole number from 1 to 1,000,000,000.`);
      if (!Number.isInteger(durationMs) || durationMs < 1 || durationMs > MAX_WINDOW_MS)
        wrong.push(`Rate limit ${i + 1}: the window is a whole number of units, at most 31 days.`);
      return { name: row.name, limit, durationMs };
    });
    if (new Set(limits.map((l) => l.name)).size !== limits.length) wrong.push('Rate limits: each needs a name of its own.');
    if (limits.length) body.rateLimits = limits;
    const ips = words(ipAllowlist);
    const badIp = ips.find((ip) => !isIpv4(ip) && !(ip.includes(':') && IPV6.test(ip)));
    if (badIp) wrong.push(`IP allowlist: “${badIp}” is not an address or CIDR range (e.g. 203.0.113.0/24 or 2001:db8::/32).`);
    if (ips.length) body.ipAllowlist = ips;
    if (environment.trim()) body.environment = environment.trim();
    const projectList = words(projects);
    if (projectList.length) body.projects = projectList;
    if (resourceKind.trim() || resourceId.trim()) {
      if (!resourceKind.trim() || !resourceId.trim()) wrong.push('Resource: give both its kind and its id, or neither.');
      if (type !== 'resource') wrong.push('Resource: a token for a resource has the type “resource”.');
      body.resource = { kind: resourceKind.trim(), id: resourceId.trim() };
    } else if (type === 'resource') wrong.push('Type: a resource token needs the resource it is for (kind and id, under More options).');
    if (metadata.trim()) {
      try {
        const parsed: unknown = JSON.parse(metadata);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) wrong.push('Metadata: a JSON object, e.g. {"plan": "pro"}.');
        body.metadata = parsed;
      } catch {
        wrong.push('Metadata: this is not valid JSON; write an object, e.g. {"plan": "pro"}.');
      }
    }
    return wrong.length ? { problems: wrong } : { body };
  };

  const current = checked ? build() : undefined;
  const problems = current && 'problems' in current ? current.problems : [];

  const { busy, error, run } = useAction(async () => {
    const built = build();
    if ('body' in built) onCreated(await api<IssuedToken>('POST', '/v1/tokens', built.body));
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if ('body' in build()) void run();
  };

  const field = (suffix: string) => `${id}-${suffix}`;
  return (
    <form className="create-token" aria-labelledby={field('title')} noValidate onSubmit={submit}>
      <h2 id={field('title')}>Create a token</h2>
      {problems.length ? (
        <div className="error" role="alert">
          <p>The token was not created. Fix these first:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <div className="form-grid">
        <div>
          <label htmlFor={field('name')}>Name</label>
          <input id={field('name')} value={name} maxLength={200} required onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor={field('type')}>Type</label>
          <select id={field('type')} value={type} onChange={(e) => setType(e.target.value as typeof type)}>
            <option value="api">API token (for a service)</option>
            <option value="personal">Personal token (acts as you)</option>
            <option value="resource">Resource token (for one resource)</option>
          </select>
        </div>
        <div>
          <label htmlFor={field('team')}>Team</label>
          <select id={field('team')} value={teamId} onChange={(e) => setTeamId(e.target.value)}>
            <option value="">None: mine</option>
            {teams.map((m) => (
              <option key={m.team.id} value={m.team.id}>
                {m.team.name || m.team.slug}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={field('expiry')}>Expires</label>
          <select id={field('expiry')} value={expiry} onChange={(e) => setExpiry(e.target.value as Expiry)}>
            <option value="never">Never</option>
            <option value="7">In 7 days</option>
            <option value="30">In 30 days</option>
            <option value="90">In 90 days</option>
            <option value="custom">On a date…</option>
          </select>
        </div>
        {expiry === 'custom' ? (
          <div>
            <label htmlFor={field('date')}>Expiry date (at the end of the day)</label>
            <input id={field('date')} type="date" value={customDate} onChange={(e) => setCustomDate(e.target.value)} />
          </div>
        ) : null}
      </div>
      <label htmlFor={field('scopes')}>Scopes</label>
      <input
        id={field('scopes')}
        aria-describedby={field('scopes-help')}
        value={scopes}
        placeholder="deploy:* read:reports"
        onChange={(e) => setScopes(e.target.value)}
      />
      <p id={field('scopes-help')} className="muted">
        Separated by spaces or commas; <code>x:*</code> covers every scope starting <code>x:</code>. None: the token proves only who it is.
      </p>
      <fieldset>
        <legend>Credits</legend>
        {!mayCredit ? <p className="muted">Your session may not set up credits (it needs the scope credits:write).</p> : null}
        <div className="form-grid">
          <div>
            <label htmlFor={field('credits')}>Starting balance</label>
            <input
              id={field('credits')}
              inputMode="decimal"
              disabled={!mayCredit}
              value={credits}
              placeholder="none"
              onChange={(e) => setCredits(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor={field('refill')}>Refill</label>
            <select
              id={field('refill')}
              disabled={!mayCredit}
              value={refillInterval}
              onChange={(e) => setRefillInterval(e.target.value as typeof refillInterval)}
            >
              <option value="">Never</option>
              <option value="daily">Every day (00:00 UTC)</option>
              <option value="monthly">Every month</option>
            </select>
          </div>
          {refillInterval ? (
            <div>
              <label htmlFor={field('refill-amount')}>Refill to</label>
              <input id={field('refill-amount')} inputMode="decimal" value={refillAmount} onChange={(e) => setRefillAmount(e.target.value)} />
            </div>
          ) : null}
          {refillInterval === 'monthly' ? (
            <div>
              <label htmlFor={field('refill-day')}>On day of the month</label>
              <input id={field('refill-day')} inputMode="numeric" value={refillDay} onChange={(e) => setRefillDay(e.target.value)} />
            </div>
          ) : null}
        </div>
        <div className="check">
          <input id={field('pool')} type="checkbox" disabled={!mayCredit} checked={creditPool} onChange={(e) => setCreditPool(e.target.checked)} />
          <label htmlFor={field('pool')}>Draw from the shared credit pool (the team&apos;s, else yours)</label>
        </div>
      </fieldset>
      <RateLimitRows rows={rateLimits} onChange={setRateLimits} />
      <label htmlFor={field('ips')}>IP allowlist</label>
      <textarea id={field('ips')} aria-describedby={field('ips-help')} rows={2} value={ipAllowlist} onChange={(e) => setIpAllowlist(e.target.value)} />
      <p id={field('ips-help')} className="muted">
        Addresses or CIDR ranges, one per line; empty: from anywhere.
      </p>
      <details>
        <summary>More options: environment, projects, resource, metadata</summary>
        <div className="form-grid">
          <div>
            <label htmlFor={field('environment')}>Environment</label>
            <input id={field('environment')} value={environment} placeholder="production" onChange={(e) => setEnvironment(e.target.value)} />
          </div>
          <div>
            <label htmlFor={field('projects')}>Projects</label>
            <input id={field('projects')} value={projects} placeholder="web api" onChange={(e) => setProjects(e.target.value)} />
          </div>
          <div>
            <label htmlFor={field('resource-kind')}>Resource kind</label>
            <input id={field('resource-kind')} value={resourceKind} placeholder="edge-config" onChange={(e) => setResourceKind(e.target.value)} />
          </div>
          <div>
            <label htmlFor={field('resource-id')}>Resource id</label>
            <input id={field('resource-id')} value={resourceId} onChange={(e) => setResourceId(e.target.value)} />
          </div>
        </div>
        <label htmlFor={field('metadata')}>Metadata (a JSON object)</label>
        <textarea id={field('metadata')} rows={3} value={metadata} placeholder='{"plan": "pro"}' onChange={(e) => setMetadata(e.target.value)} />
      </details>
      <div className="actions form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}
