import './pages.css';
import { useState } from 'react';
import { getToken, listAudit } from '../accounts';
import { RANGES, rangeEndingNow, verifications, type RangeName } from '../analytics';
import { ApiError } from '../api';
import { AuditSentence } from '../components/audit-sentence';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { RangePicker } from '../components/range-picker';
import { leakOutcome } from '../components/token-governance';
import { CountSparkline } from '../components/count-sparkline';
import { bucketise, TimeSeriesChart } from '../components/time-series-chart';
import { Link } from '../router';
import { grants, useSession } from '../session';
import { formatRelative } from '../time';
import { useLoad } from '../use-load';

function analyticsError(error: Error): Error {
  if (error instanceof ApiError && error.status === 404 && error.code !== 'TOKEN_NOT_FOUND')
    return new Error('This server does not count verifications yet (no /v1/analytics); update tessera to see usage.');
  return error;
}

/** Names of tokens by id, asked once per page (a token gone or out of reach keeps its id). */
async function tokenNames(ids: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  await Promise.all(
    ids.map(async (id) => {
      try {
        names.set(id, (await getToken(id)).token.name);
      } catch {
        // Deleted, or not the caller's to see: the id stands in.
      }
    }),
  );
  return names;
}

/** Verifications over time by outcome, the busiest tokens, and the latest changes. */
export function Overview() {
  const { session } = useSession();
  const [range, setRange] = useState<RangeName>('24h');
  // The range is fixed when it is picked (picking it again brings it up to date).
  const [picked, setPicked] = useState(() => rangeEndingNow(range));
  const pick = (next: RangeName) => {
    setRange(next);
    setPicked(rangeEndingNow(next));
  };
  const { from, to, granularity, step } = picked;

  const canCount = grants(session, 'analytics:read');
  const noScope = () => Promise.reject(new Error('Your token does not have the analytics:read scope, so usage is not shown.'));
  const byOutcome = useLoad(() => (canCount ? verifications({ from, to, granularity, groupBy: 'outcome' }) : noScope()), [from, to, granularity, canCount]);
  const byToken = useLoad(async () => {
    if (!canCount) return noScope();
    const answer = await verifications({ from, to, granularity, groupBy: 'token' });
    const top = answer.series.filter((s) => s.key.tokenId).slice(0, 10);
    return { top, names: await tokenNames(top.map((s) => s.key.tokenId!)) };
  }, [from, to, granularity, canCount]);
  const canAudit = grants(session, 'audit:read');
  const recent = useLoad(() => (canAudit ? listAudit({ limit: 10 }) : Promise.resolve(undefined)), [canAudit]);
  const leaks = useLoad(
    async () => (canAudit ? (await listAudit({ action: 'token.leak', limit: 20 })).items.filter((e) => e.details.repeated !== true).slice(0, 5) : []),
    [canAudit],
  );

  return (
    <>
      <PageHeader title="Overview">
        <RangePicker value={range} onChange={pick} />
      </PageHeader>

      {leaks.data && leaks.data.length > 0 ? (
        <section aria-labelledby="leaks-heading" className="leak-notice">
          <h2 id="leaks-heading">Leaked keys</h2>
          <ul className="events">
            {leaks.data.map((event) => (
              <li key={event.id}>
                <Link to={`/tokens/${event.targetId}`}>{event.targetName ?? event.targetId}</Link> was reported leaked {formatRelative(event.at)}: its policy{' '}
                {leakOutcome(event.details)}.
              </li>
            ))}
          </ul>
          <p>
            <Link to="/audit">Every report in the audit log</Link>
          </p>
        </section>
      ) : null}

      <section aria-labelledby="verifications-heading">
        <h2 id="verifications-heading">Verifications by outcome</h2>
        {byOutcome.error ? <ErrorMessage error={analyticsError(byOutcome.error)} /> : null}
        {byOutcome.loading && !byOutcome.data ? <Loading what="verifications" /> : null}
        {byOutcome.data ? (
          <TimeSeriesChart
            title="Verifications by outcome"
            from={from}
            to={to}
            step={step}
            series={byOutcome.data.series.map((s) => ({ label: s.key.outcome ?? 'other', points: s.points }))}
            {...(granularity === 'day' ? { formatTime: (t: number) => new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) } : {})}
          />
        ) : null}
      </section>

      <section aria-labelledby="busiest-heading">
        <h2 id="busiest-heading">Busiest tokens</h2>
        {byToken.error ? <ErrorMessage error={analyticsError(byToken.error)} /> : null}
        {byToken.loading && !byToken.data ? <Loading what="the busiest tokens" /> : null}
        {byToken.data && byToken.data.top.length === 0 ? <p className="muted">No token was verified in this range.</p> : null}
        {byToken.data && byToken.data.top.length > 0 ? (
          <div className="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Token</th>
                  <th scope="col">Verifications</th>
                  <th scope="col">Over time</th>
                </tr>
              </thead>
              <tbody>
                {byToken.data.top.map((s) => {
                  const id = s.key.tokenId!;
                  const name = byToken.data!.names.get(id);
                  const [counts] = bucketise([{ label: id, points: s.points }], from, to, step).counts;
                  return (
                    <tr key={id}>
                      <td>
                        <Link to={`/tokens/${id}`}>{name ?? id}</Link>
                      </td>
                      <td>{s.total}</td>
                      <td>
                        <CountSparkline values={counts ?? []} label={`${name ?? id}, ${RANGES[range].label.toLowerCase()}`} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent changes</h2>
        {!canAudit ? <p className="muted">Your token does not have the audit:read scope, so recent changes are not shown.</p> : null}
        <ErrorMessage error={recent.error} />
        {recent.loading && !recent.data && canAudit ? <Loading what="recent changes" /> : null}
        {recent.data && recent.data.items.length === 0 ? <p className="muted">Nothing has changed yet.</p> : null}
        {recent.data && recent.data.items.length > 0 ? (
          <>
            <ul className="events">
              {recent.data.items.map((event) => (
                <li key={event.id}>
                  <AuditSentence event={event} />
                </li>
              ))}
            </ul>
            <p>
              <Link to="/audit">The whole audit log</Link>
            </p>
          </>
        ) : null}
      </section>
    </>
  );
}
