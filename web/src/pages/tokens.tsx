import '../tokens.css';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, query } from '../api';
import { CreateTokenForm } from '../components/create-token-form';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { SecretOnce } from '../components/secret-once';
import { CountSparkline } from '../components/count-sparkline';
import { bucketise } from '../components/time-series-chart';
import { LeakedBadge, StatusBadge } from '../components/status-badge';
import { Link } from '../router';
import { grants, useSession } from '../session';
import { rangeEndingNow, verifications, type VerificationAnalytics } from '../analytics';
import { formatRelative, formatTime } from '../time';
import { secretEnds, whoami, type IssuedToken, type Page, type TokenView } from '../token-model';
import { useLoad } from '../use-load';

const PAGE_SIZE = 25;

interface Filters {
  q: string;
  status: string;
  type: string;
  teamId: string;
  owner: string;
}

/**
 * The signed-in user's tokens, or a team's: search by the start of the name, filters, pages by
 * cursor (Previous goes back through the cursors seen), each row with its last 24 hours of use.
 * Create opens a form above the table; a new secret is shown there once.
 */
export function Tokens() {
  const { session } = useSession();
  const id = useId();
  const me = useLoad(whoami, []);
  const [filters, setFilters] = useState<Filters>({ q: '', status: '', type: '', teamId: '', owner: '' });
  const [search, setSearch] = useState('');
  /** The cursors of the pages before this one; the last is this page's. */
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedToken>();
  const issuedRef = useRef<HTMLDivElement>(null);
  const cursor = cursors[cursors.length - 1];
  const userId = me.data?.user.id;
  const ownerUserId = filters.owner === 'me' ? userId : filters.owner || undefined;

  const tokens = useLoad(
    () =>
      api<Page<TokenView>>(
        'GET',
        `/v1/tokens${query({ teamId: filters.teamId, status: filters.status, type: filters.type, q: filters.q, ownerUserId, limit: PAGE_SIZE, cursor })}`,
      ),
    [filters, ownerUserId, cursor, issued],
  );
  // One call for the sparklines: the tokens of this page over 24 hours.
  const mayReadUsage = grants(session, 'analytics:read');
  const usageLoad = useLoad<(VerificationAnalytics & { step: number }) | undefined>(async () => {
    const ids = tokens.data?.items.map((token) => token.id) ?? [];
    if (!mayReadUsage || ids.length === 0) return undefined;
    const { from, to, granularity, step } = rangeEndingNow('24h');
    return { ...(await verifications({ from, to, granularity, groupBy: 'token', tokenId: ids })), step };
  }, [mayReadUsage, tokens.data]);

  useEffect(() => {
    if (issued) issuedRef.current?.querySelector('h2')?.focus();
  }, [issued]);

  const change = (next: Partial<Filters>) => {
    setFilters((previous) => ({ ...previous, ...next }));
    setCursors([undefined]);
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    change({ q: search.trim() });
  };
  const mayCreate = grants(session, 'tokens:write');
  const teams = me.data?.teams ?? [];
  const teamName = (teamId: string | null) => {
    if (!teamId) return 'mine';
    const m = teams.find((t) => t.team.id === teamId);
    return m ? m.team.name || m.team.slug : teamId;
  };
  const seriesOf = (tokenId: string) => usageLoad.data?.series.find((s) => s.key.tokenId === tokenId);

  return (
    <>
      <PageHeader title="Tokens">
        {mayCreate && !creating ? (
          <button
            type="button"
            onClick={() => {
              setIssued(undefined);
              setCreating(true);
            }}
          >
            Create token
          </button>
        ) : null}
      </PageHeader>
      {!mayCreate ? <p className="muted">Your session may read tokens but not create or change them (it lacks the scope tokens:write).</p> : null}

      {issued ? (
        <div ref={issuedRef}>
          <SecretOnce
            secret={issued.secret}
            intro={
              <p>
                Token <strong>{issued.token.name}</strong> was created. <Link to={`/tokens/${issued.token.id}`}>Open its page</Link> (the secret will not be
                there).
              </p>
            }
            onHide={() => setIssued(undefined)}
          />
        </div>
      ) : null}
      {creating ? (
        <CreateTokenForm
          me={me.data}
          onCancel={() => setCreating(false)}
          onCreated={(created) => {
            setCreating(false);
            setIssued(created);
          }}
        />
      ) : null}

      <form className="filters" role="search" aria-label="Find tokens" onSubmit={submitSearch}>
        <div>
          <label htmlFor={`${id}-q`}>Name starts with</label>
          <input id={`${id}-q`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <button type="submit">Search</button>
        <div>
          <label htmlFor={`${id}-team`}>Team</label>
          <select id={`${id}-team`} value={filters.teamId} onChange={(e) => change({ teamId: e.target.value, owner: '' })}>
            <option value="">None: mine</option>
            {teams.map((m) => (
              <option key={m.team.id} value={m.team.id}>
                {m.team.name || m.team.slug}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={filters.status} onChange={(e) => change({ status: e.target.value })}>
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="revoked">Revoked</option>
            <option value="expired">Expired</option>
            <option value="disabled">Suspended</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-type`}>Type</label>
          <select id={`${id}-type`} value={filters.type} onChange={(e) => change({ type: e.target.value })}>
            <option value="">Any</option>
            <option value="api">API</option>
            <option value="personal">Personal</option>
            <option value="resource">Resource</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-owner`}>Owner</label>
          <select id={`${id}-owner`} value={filters.owner} onChange={(e) => change({ owner: e.target.value })}>
            <option value="">Anyone</option>
            <option value="me">Me</option>
            {filters.teamId ? <TeamMemberOptions teamId={filters.teamId} exclude={userId} /> : null}
          </select>
        </div>
      </form>
      {filters.q ? (
        <p className="muted">
          Names starting with “{filters.q}” (capitals count).{' '}
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setSearch('');
              change({ q: '' });
            }}
          >
            Clear the search
          </button>
        </p>
      ) : null}

      <ErrorMessage error={tokens.error} />
      {tokens.loading && !tokens.data ? <Loading what="tokens" /> : null}
      {tokens.data ? (
        <>
          <div className="table-scroll">
            <table className="tokens-table">
              <caption className="visually-hidden">Tokens of {teamName(filters.teamId || null)}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Secret</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Last 24 h</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.length === 0 ? (
                  <tr>
                    <td colSpan={8} className="muted">
                      No tokens here{filters.q || filters.status || filters.type || filters.owner ? ' match these filters' : ' yet'}.
                    </td>
                  </tr>
                ) : null}
                {tokens.data.items.map((token) => {
                  const series = seriesOf(token.id);
                  return (
                    <tr key={token.id}>
                      <th scope="row">
                        <Link to={`/tokens/${token.id}`}>{token.name}</Link>
                      </th>
                      <td>
                        <code>{secretEnds(token)}</code>
                      </td>
                      <td>{token.type}</td>
                      <td>
                        <StatusBadge status={token.status} revokedAt={token.revokedAt} /> <LeakedBadge leakedAt={token.leakedAt} />
                      </td>
                      <td>{token.scopes.length ? token.scopes.join(', ') : <span className="muted">none</span>}</td>
                      <td>
                        {!mayReadUsage || usageLoad.error ? (
                          <span className="muted">not available</span>
                        ) : series && usageLoad.data ? (
                          <CountSparkline
                            label={`${token.name}, last 24 hours`}
                            values={
                              bucketise([{ label: token.id, points: series.points }], usageLoad.data.from, usageLoad.data.to, usageLoad.data.step).counts[0]!
                            }
                          />
                        ) : usageLoad.data ? (
                          <span className="muted">no use</span>
                        ) : null}
                      </td>
                      <td>
                        {token.activeAt === null ? (
                          <span className="muted">never</span>
                        ) : (
                          <span title={formatTime(token.activeAt)}>{formatRelative(token.activeAt)}</span>
                        )}
                      </td>
                      <td>
                        {token.expiresAt === null ? (
                          <span className="muted">never</span>
                        ) : (
                          <span title={formatTime(token.expiresAt)}>{formatRelative(token.expiresAt)}</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {usageLoad.error ? <p className="muted">Usage could not be read: {usageLoad.error.message}</p> : null}
          <nav className="pager" aria-label="Pages of tokens">
            <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous
            </button>
            <span className="muted">Page {cursors.length}</span>
            <button
              type="button"
              className="secondary"
              disabled={!tokens.data.nextCursor}
              onClick={() => setCursors([...cursors, tokens.data!.nextCursor ?? undefined])}
            >
              Next
            </button>
          </nav>
        </>
      ) : null}
    </>
  );
}

/** The members of a team as owner choices (their ids: the team's members list carries no names). */
function TeamMemberOptions({ teamId, exclude }: { teamId: string; exclude: string | undefined }) {
  const team = useLoad(() => api<{ members: Array<{ userId: string; role: string }> }>('GET', `/v1/teams/${encodeURIComponent(teamId)}`), [teamId]);
  return (
    <>
      {(team.data?.members ?? [])
        .filter((m) => m.userId !== exclude)
        .map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.userId} ({m.role})
          </option>
        ))}
    </>
  );
}
