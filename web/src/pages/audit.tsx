import './pages.css';
import { useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, getTeam, listAudit, listTeams, listUsers, whoami, type AuditFilters } from '../accounts';
import { describeEvent } from '../audit-words';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { Link } from '../router';
import { useSession } from '../session';
import { formatRelative, formatTime } from '../time';
import { useLoad } from '../use-load';

/** The people and teams the filters offer, by name: admins see everyone; others themselves and their teams' members. */
async function choices(isAdmin: boolean) {
  const me = await whoami();
  const people = new Map<string, string>([[me.user.id, me.user.name]]);
  if (isAdmin) {
    const [users, teams] = await Promise.all([listUsers(), listTeams()]);
    for (const user of users.items) people.set(user.id, user.name);
    return { people, teams: teams.items };
  }
  const teams = await Promise.all(me.teams.map(({ team }) => getTeam(team.id)));
  for (const { members } of teams) for (const member of members) people.set(member.userId, member.name ?? member.userId);
  return { people, teams: me.teams.map(({ team }) => team) };
}

/** `datetime-local` text → ms since the epoch, in the reader's time zone. */
const moment = (text: string): number | undefined => (text ? new Date(text).getTime() : undefined);

function targetLink(type: string, id: string, name: string | null) {
  const label = name ?? id;
  if (type === 'token') return <Link to={`/tokens/${id}`}>{label}</Link>;
  if (type === 'team') return <Link to={`/teams/${id}`}>{label}</Link>;
  if (type === 'pool') return <Link to="/pools">{label}</Link>;
  return <>{label}</>;
}

/** Who did what to which object, newest first, with filters and pages. */
export function AuditLog() {
  const { session } = useSession();
  const isAdmin = session?.user.role === 'admin';
  const options = useLoad(() => choices(isAdmin), [isAdmin]);

  const [form, setForm] = useState({ actorUserId: '', teamId: '', targetId: '', action: '', from: '', to: '' });
  const [filters, setFilters] = useState<AuditFilters>({});
  // The cursors of the pages before this one, to go back.
  const [cursors, setCursors] = useState<Array<string | undefined>>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const page = useLoad(() => listAudit({ ...filters, cursor }), [filters, cursor]);

  const set = (field: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });
  const [formError, setFormError] = useState<string>();

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const from = moment(form.from);
    const to = moment(form.to);
    if (from !== undefined && to !== undefined && from >= to) {
      setFormError('“From” must be before “To”.');
      return;
    }
    setFormError(undefined);
    const next: AuditFilters = {};
    if (form.actorUserId) next.actorUserId = form.actorUserId;
    if (form.teamId) next.teamId = form.teamId;
    if (form.targetId.trim()) next.targetId = form.targetId.trim();
    if (form.action) next.action = form.action;
    if (from !== undefined) next.from = from;
    if (to !== undefined) next.to = to;
    setFilters(next);
    setCursor(undefined);
    setCursors([]);
  };
  const clear = () => {
    setForm({ actorUserId: '', teamId: '', targetId: '', action: '', from: '', to: '' });
    setFormError(undefined);
    setFilters({});
    setCursor(undefined);
    setCursors([]);
  };

  const people = options.data?.people;
  const now = Date.now();
  return (
    <>
      <PageHeader title="Audit log" />
      <p className="muted">
        {isAdmin ? 'As an admin you see every change.' : 'You see what you did, what was done to your tokens, and, when you pick a team, everything in it.'}
      </p>
      <form className="filters" onSubmit={apply} aria-label="Filter the audit log">
        <div>
          <label htmlFor="audit-actor">Who</label>
          <select id="audit-actor" value={form.actorUserId} onChange={set('actorUserId')}>
            <option value="">Anyone</option>
            {people
              ? [...people].map(([id, name]) => (
                  <option key={id} value={id}>
                    {name}
                  </option>
                ))
              : null}
          </select>
        </div>
        <div>
          <label htmlFor="audit-team">Team</label>
          <select id="audit-team" value={form.teamId} onChange={set('teamId')}>
            <option value="">{isAdmin ? 'All teams' : 'None: mine only'}</option>
            {options.data?.teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-action">What</label>
          <select id="audit-action" value={form.action} onChange={set('action')}>
            <option value="">Any change</option>
            {Object.entries(AUDIT_ACTIONS).map(([action, words]) => (
              <option key={action} value={action}>
                {words}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-target">Target id</label>
          <input id="audit-target" value={form.targetId} onChange={set('targetId')} placeholder="tok_…, usr_…, team_…" spellCheck={false} />
        </div>
        <div>
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="datetime-local" value={form.from} onChange={set('from')} />
        </div>
        <div>
          <label htmlFor="audit-to">To</label>
          <input id="audit-to" type="datetime-local" value={form.to} onChange={set('to')} />
        </div>
        <div className="filter-actions">
          <button type="submit">Show</button>
          <button type="button" className="secondary" onClick={clear}>
            Clear filters
          </button>
        </div>
      </form>
      <ErrorMessage error={formError} />
      <ErrorMessage error={options.error} />
      <ErrorMessage error={page.error} />
      {page.loading && !page.data ? <Loading what="the audit log" /> : null}
      {page.data && page.data.items.length === 0 ? <p className="muted">No changes match.</p> : null}
      {page.data && page.data.items.length > 0 ? (
        <div className="table-scroll">
          <table className="audit-table">
            <caption className="visually-hidden">Changes, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What happened</th>
                <th scope="col" className="narrow-hidden">
                  Who
                </th>
                <th scope="col">Target</th>
                <th scope="col" className="narrow-hidden">
                  From
                </th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <time dateTime={new Date(e.at).toISOString()}>{formatTime(e.at)}</time>
                    <br />
                    <span className="muted">{formatRelative(e.at, now)}</span>
                  </td>
                  <td>{describeEvent(e)}</td>
                  <td className="narrow-hidden">{e.actorName ?? e.actorUserId ?? 'tessera'}</td>
                  <td>
                    {targetLink(e.targetType, e.targetId, e.targetName)}
                    <br />
                    <code className="muted id">{e.targetId}</code>
                  </td>
                  <td className="narrow-hidden">{e.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav aria-label="Audit log pages" className="pager">
        <button
          type="button"
          className="secondary"
          disabled={cursors.length === 0}
          onClick={() => {
            setCursor(cursors[cursors.length - 1]);
            setCursors(cursors.slice(0, -1));
          }}
        >
          Newer
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!page.data?.nextCursor}
          onClick={() => {
            setCursors([...cursors, cursor]);
            setCursor(page.data!.nextCursor!);
          }}
        >
          Older
        </button>
      </nav>
    </>
  );
}
