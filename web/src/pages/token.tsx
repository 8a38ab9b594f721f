import '../tokens.css';
import { useId, useState } from 'react';
import { api, query } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { RANGES, rangeEndingNow, verifications, type RangeName } from '../analytics';
import { RangePicker } from '../components/range-picker';
import { TimeSeriesChart } from '../components/time-series-chart';
import { SecretOnce } from '../components/secret-once';
import { LeakedBadge, StatusBadge } from '../components/status-badge';
import { LeakSection, SuspendSection } from '../components/token-governance';
import { TypedConfirm } from '../components/typed-confirm';
import { Link } from '../router';
import { grants, useSession } from '../session';
import { DAY, formatDuration, formatRelative, formatTime, HOUR } from '../time';
import { mayChange, secretEnds, whoami, type AuditEvent, type IssuedToken, type Page, type TokenView, type Whoami } from '../token-model';
import { useLoad } from '../use-load';
import { useAction } from '../use-action';

/**
 * One token: what it is, its use by outcome, credits and rate limits, and what may be done to it
 * (rotate, revoke, delete, add credits) — shown only when the session's scopes and the user's role
 * allow it; the server's refusal is shown in words if it comes anyway. Then its audit trail.
 */
export function TokenPage({ id }: { id?: string }) {
  // A page per token: what one token's page holds (a rotated secret, a half-typed confirmation) never shows on another's.
  return <OneToken key={id} id={id} />;
}

function OneToken({ id }: { id: string | undefined }) {
  const { session } = useSession();
  const me = useLoad(whoami, []);
  const loaded = useLoad(() => api<{ token: TokenView }>('GET', `/v1/tokens/${encodeURIComponent(id ?? '')}`), [id]);
  const [deleted, setDeleted] = useState<string>();
  const [rotation, setRotation] = useState<{ issued: IssuedToken; old: TokenView; oldWorksUntil: number }>();

  if (deleted)
    return (
      <>
        <PageHeader title="Token deleted" />
        <p role="status">
          <strong>{deleted}</strong> was deleted: its secret no longer verifies and tessera has forgotten it. <Link to="/tokens">Back to the tokens</Link>
        </p>
      </>
    );
  if (loaded.error)
    return (
      <>
        <PageHeader title="Token" />
        <ErrorMessage error={loaded.error} />
        <p>
          <Link to="/tokens">Back to the tokens</Link>
        </p>
      </>
    );
  const token = loaded.data?.token;
  if (!token) return <Loading what="the token" />;
  const changeable = mayChange(session, me.data, token);
  const rotatedOut = token.revokedAt !== null && token.status === 'active';

  return (
    <>
      <p className="breadcrumb">
        <Link to="/tokens">Tokens</Link> / {token.name}
      </p>
      <PageHeader title={token.name}>
        <StatusBadge status={token.status} revokedAt={token.revokedAt} /> <LeakedBadge leakedAt={token.leakedAt} />
      </PageHeader>
      {!changeable ? (
        <p className="muted">
          You can read this token but not change it
          {!grants(session, 'tokens:write') ? ' (your session lacks the scope tokens:write)' : ' (a viewer of its team, or not its owner)'}.
        </p>
      ) : null}
      {rotation ? <RotatedSecret {...rotation} /> : null}
      {token.leakedAt !== null ? <LeakSection token={token} mayReadAudit={grants(session, 'audit:read')} /> : null}

      <Details token={token} me={me.data} />
      <UsageSection tokenId={token.id} mayRead={grants(session, 'analytics:read')} />
      <CreditsSection token={token} mayAdd={changeable && mayChange(session, me.data, token, 'credits:write')} onChanged={loaded.reload} />
      <RateLimitsSection token={token} />

      {changeable && (token.status === 'active' || token.status === 'disabled') ? <SuspendSection token={token} onChanged={loaded.reload} /> : null}
      {changeable && token.status !== 'revoked' ? (
        <section aria-labelledby="actions-title">
          <h2 id="actions-title">Rotate, revoke or delete</h2>
          {token.status === 'active' && !rotatedOut ? (
            <RotateForm
              token={token}
              onRotated={(issued, oldWorksUntil) => {
                setRotation({ issued, old: token, oldWorksUntil });
                loaded.reload();
              }}
            />
          ) : rotatedOut ? (
            <p>
              This token was rotated: its secret stops working {formatRelative(token.revokedAt!)} ({formatTime(token.revokedAt)}). Rotate its successor instead.
            </p>
          ) : null}
          <div className="danger-zone">
            <TypedConfirm
              name={token.name}
              open="Revoke…"
              confirm="Revoke token"
              onConfirm={async () => {
                await api('POST', `/v1/tokens/${encodeURIComponent(token.id)}/revoke`);
                loaded.reload();
              }}
            >
              <p>Revoking stops its secret at once, everywhere; it cannot be undone. The token and its history stay.</p>
            </TypedConfirm>
          </div>
        </section>
      ) : null}
      {changeable ? (
        <section aria-labelledby="delete-title">
          <h2 id="delete-title">Delete</h2>
          <TypedConfirm
            name={token.name}
            open="Delete…"
            confirm="Delete token"
            onConfirm={async () => {
              await api('DELETE', `/v1/tokens/${encodeURIComponent(token.id)}`);
              setDeleted(token.name);
            }}
          >
            <p>Deleting stops its secret and forgets the token; its audit trail stays. It cannot be undone.</p>
          </TypedConfirm>
        </section>
      ) : null}

      <AuditTrail token={token} me={me.data} mayRead={grants(session, 'audit:read')} />
    </>
  );
}

function Details({ token, me }: { token: TokenView; me: Whoami | undefined }) {
  const team = token.teamId ? me?.teams.find((m) => m.team.id === token.teamId) : undefined;
  const owner = token.ownerUserId === me?.user.id ? `you (${me.user.name})` : token.ownerUserId;
  return (
    <section aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <dl className="details">
        <dt>Id</dt>
        <dd>
          <code>{token.id}</code>
        </dd>
        <dt>Secret</dt>
        <dd>
          <code>{secretEnds(token)}</code> <span className="muted">(only its ends are kept in clear)</span>
        </dd>
        <dt>Type</dt>
        <dd>{token.type}</dd>
        <dt>Owner</dt>
        <dd>{owner}</dd>
        <dt>Team</dt>
        <dd>{token.teamId ? (team ? `${team.team.name || team.team.slug} (you: ${team.role})` : token.teamId) : 'none'}</dd>
        <dt>Scopes</dt>
        <dd>{token.scopes.length ? token.scopes.join(', ') : 'none'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(token.createdAt)}</dd>
        <dt>Expires</dt>
        <dd>{token.expiresAt === null ? 'never' : `${formatTime(token.expiresAt)} (${formatRelative(token.expiresAt)})`}</dd>
        <dt>Last used</dt>
        <dd>
          {token.activeAt === null ? 'never' : `${formatTime(token.activeAt)} (${formatRelative(token.activeAt)})`}; {token.useCount} use
          {token.useCount === 1 ? '' : 's'}
        </dd>
        {token.revokedAt !== null ? (
          <>
            <dt>{token.status === 'revoked' ? 'Revoked' : 'Stops working'}</dt>
            <dd>{formatTime(token.revokedAt)}</dd>
          </>
        ) : null}
        {token.rotatedFromId ? (
          <>
            <dt>Rotated from</dt>
            <dd>
              <Link to={`/tokens/${token.rotatedFromId}`}>{token.rotatedFromId}</Link>
            </dd>
          </>
        ) : null}
        <dt>IP allowlist</dt>
        <dd>{token.ipAllowlist.length ? token.ipAllowlist.join(', ') : 'any address'}</dd>
        {token.environment ? (
          <>
            <dt>Environment</dt>
            <dd>{token.environment}</dd>
          </>
        ) : null}
        {token.projects.length ? (
          <>
            <dt>Projects</dt>
            <dd>{token.projects.join(', ')}</dd>
          </>
        ) : null}
        {token.resource ? (
          <>
            <dt>Resource</dt>
            <dd>
              {token.resource.kind} <code>{token.resource.id}</code>
            </dd>
          </>
        ) : null}
        {Object.keys(token.metadata).length ? (
          <>
            <dt>Metadata</dt>
            <dd>
              <code>{JSON.stringify(token.metadata)}</code>
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}

function UsageSection({ tokenId, mayRead }: { tokenId: string; mayRead: boolean }) {
  const [range, setRange] = useState<RangeName>('24h');
  // The range is fixed when it is picked; Refresh brings it up to date.
  const [picked, setPicked] = useState(() => rangeEndingNow(range));
  const pick = (next: RangeName) => {
    setRange(next);
    setPicked(rangeEndingNow(next));
  };
  const load = useLoad(
    () => verifications({ from: picked.from, to: picked.to, granularity: picked.granularity, groupBy: 'outcome', tokenId }),
    [tokenId, picked],
  );
  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage by outcome</h2>
      {!mayRead ? (
        <p className="muted">Your session may not read usage (it needs the scope analytics:read).</p>
      ) : (
        <>
          <div className="actions">
            <RangePicker value={range} onChange={pick} label="Period" />
            <button type="button" className="secondary" onClick={() => setPicked(rangeEndingNow(range))}>
              Refresh usage
            </button>
          </div>
          <ErrorMessage error={load.error} />
          {load.data ? (
            <TimeSeriesChart
              title={`Verifications of this token in the ${RANGES[range].label.toLowerCase()}`}
              from={load.data.from}
              to={load.data.to}
              step={picked.step}
              series={load.data.series.map((s) => ({ label: s.key.outcome ?? 'other', points: s.points }))}
            />
          ) : load.error ? null : (
            <Loading what="usage" />
          )}
          <p className="muted">Counts are written in batches, a second or so behind.</p>
        </>
      )}
    </section>
  );
}

function CreditsSection({ token, mayAdd, onChanged }: { token: TokenView; mayAdd: boolean; onChanged: () => void }) {
  const id = useId();
  const [amount, setAmount] = useState('');
  const [done, setDone] = useState<string>();
  const { busy, error, submit } = useAction(async () => {
    setDone(undefined);
    if (!/^-?\d{1,10}(\.\d{1,9})?$/.test(amount.trim())) throw new Error('Write an amount of credits, e.g. 100 or 12.5 (negative takes away).');
    const answer = await api<{ credits: string }>('POST', `/v1/tokens/${encodeURIComponent(token.id)}/credits`, { op: 'add', amount: amount.trim() });
    setDone(`Added ${amount.trim()}: the balance is now ${answer.credits}.`);
    setAmount('');
    onChanged();
  });

  return (
    <section aria-labelledby="credits-title">
      <h2 id="credits-title">Credits and refill</h2>
      <dl className="details">
        <dt>Balance</dt>
        <dd>
          {token.creditPool ? `drawn from the shared pool of ${token.creditPool}` : (token.credits ?? 'none: verifications are not counted against credits')}
        </dd>
        <dt>Charged</dt>
        <dd>{token.creditsActive ? 'yes: each verification spends credits and stops at 0' : 'no'}</dd>
        <dt>Refill</dt>
        <dd>
          {token.refill
            ? `to ${token.refill.amount} ${token.refill.interval === 'daily' ? 'every day' : `every month on day ${token.refill.dayOfMonth ?? 1}`} (00:00 UTC)`
            : 'never'}
          {token.lastRefillAt ? `; last on ${formatTime(token.lastRefillAt)}` : ''}
        </dd>
      </dl>
      {mayAdd && !token.creditPool ? (
        <form className="inline-form" onSubmit={submit}>
          <div>
            <label htmlFor={`${id}-amount`}>Credits to add</label>
            <input id={`${id}-amount`} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </div>
          <button type="submit" disabled={busy}>
            Add credits
          </button>
        </form>
      ) : null}
      <ErrorMessage error={error} />
      {done ? <p role="status">{done}</p> : null}
    </section>
  );
}

function RateLimitsSection({ token }: { token: TokenView }) {
  return (
    <section aria-labelledby="limits-title">
      <h2 id="limits-title">Rate limits</h2>
      {token.rateLimits.length === 0 ? (
        <p className="muted">None: verifications are not throttled.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">At most</th>
              <th scope="col">In any window of</th>
            </tr>
          </thead>
          <tbody>
            {token.rateLimits.map((rule) => (
              <tr key={rule.name}>
                <th scope="row">{rule.name}</th>
                <td>{rule.limit}</td>
                <td>{formatDuration(rule.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const GRACES = [
  { label: 'None: the old secret stops now', ms: 0 },
  { label: '1 hour', ms: HOUR },
  { label: '24 hours', ms: DAY },
  { label: '7 days', ms: 7 * DAY },
];

function RotateForm({ token, onRotated }: { token: TokenView; onRotated: (issued: IssuedToken, oldWorksUntil: number) => void }) {
  const id = useId();
  const [grace, setGrace] = useState(HOUR);
  const { busy, error, submit } = useAction(async () => {
    const at = Date.now();
    const issued = await api<IssuedToken>('POST', `/v1/tokens/${encodeURIComponent(token.id)}/rotate`, { gracePeriodMs: grace });
    onRotated(issued, at + grace);
  });
  return (
    <form className="inline-form" onSubmit={submit}>
      <div>
        <label htmlFor={`${id}-grace`}>Old secret keeps working for</label>
        <select id={`${id}-grace`} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
          {GRACES.map((g) => (
            <option key={g.ms} value={g.ms}>
              {g.label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={busy}>
        {busy ? 'Rotating…' : 'Rotate'}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

/** After a rotation: the new secret once, and which of the two secrets is the old one and until when it works. */
function RotatedSecret({ issued, old, oldWorksUntil }: { issued: IssuedToken; old: TokenView; oldWorksUntil: number }) {
  const immediate = oldWorksUntil <= Date.now() + 1000;
  return (
    <SecretOnce
      secret={issued.secret}
      label={`New secret (ends …${issued.token.suffix})`}
      intro={
        <>
          <p>
            <strong>The new secret</strong>, ending <code>…{issued.token.suffix}</code>, belongs to a new token,{' '}
            <Link to={`/tokens/${issued.token.id}`}>
              {issued.token.name} ({issued.token.id})
            </Link>
            , which replaces this one.
          </p>
          <p>
            <strong>The old secret</strong>, ending <code>…{old.suffix}</code>,{' '}
            {immediate ? 'stopped working now.' : `keeps working until ${formatTime(oldWorksUntil)} (${formatRelative(oldWorksUntil)}), then stops.`} Put the
            new one wherever the old one is used before then.
          </p>
        </>
      }
    />
  );
}

const ACTIONS: Record<string, string> = {
  'token.create': 'Created',
  'token.update': 'Changed',
  'token.revoke': 'Revoked',
  'token.rotate': 'Rotated',
  'token.delete': 'Deleted',
  'token.credits': 'Credits changed',
  'token.disable': 'Suspended',
  'token.enable': 'Resumed',
  'token.leak': 'Reported leaked',
};

/** The audit events of this token and of the tokens it was rotated from, newest first. */
function AuditTrail({ token, me, mayRead }: { token: TokenView; me: Whoami | undefined; mayRead: boolean }) {
  const trail = useLoad(async () => {
    if (!mayRead) return [];
    const lineage = [token.id];
    let from = token.rotatedFromId;
    while (from && lineage.length < 10) {
      lineage.push(from);
      try {
        from = (await api<{ token: TokenView }>('GET', `/v1/tokens/${encodeURIComponent(from)}`)).token.rotatedFromId;
      } catch {
        break;
      }
    }
    const pages = await Promise.all(lineage.map((targetId) => api<Page<AuditEvent>>('GET', `/v1/audit${query({ targetId, limit: 100 })}`)));
    return pages.flatMap((p) => p.items).sort((a, b) => b.at - a.at);
  }, [token.id, token.rotatedFromId, token.updatedAt, token.revokedAt, mayRead]);
  const who = (e: AuditEvent) => (e.actorUserId === null ? 'tessera' : e.actorUserId === me?.user.id ? `you (${me.user.name})` : e.actorUserId);
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      {!mayRead ? <p className="muted">Your session may not read the audit log (it needs the scope audit:read).</p> : null}
      <ErrorMessage error={trail.error} />
      {trail.data && mayRead ? (
        trail.data.length === 0 ? (
          <p className="muted">Nothing recorded.</p>
        ) : (
          // Focusable so that a keyboard can scroll it when it is wider than a phone's screen.
          <div className="table-scroll" tabIndex={0} role="group" aria-label="Audit trail, scrolls sideways">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">Who</th>
                  <th scope="col">Token</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {trail.data.map((e) => (
                  <tr key={e.id}>
                    <td>{formatTime(e.at)}</td>
                    <th scope="row">{ACTIONS[e.action] ?? e.action}</th>
                    <td>{who(e)}</td>
                    <td>{e.targetId === token.id ? 'this one' : <Link to={`/tokens/${e.targetId}`}>{e.targetId}</Link>}</td>
                    <td>{describe(e)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
}

function describe(e: AuditEvent): string {
  const d = e.details;
  if (e.action === 'token.rotate') {
    const grace = typeof d.gracePeriodMs === 'number' ? d.gracePeriodMs : 0;
    return `new secret for ${String(d.rotatedFromId ?? 'a token')}; the old one worked ${grace ? `for ${formatDuration(grace)} more` : 'no longer'}`;
  }
  const parts = Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.join('; ');
}
