import './pages.css';
import { useState } from 'react';
import { getTeam, listTeams, TEAM_ROLES, whoami, type Member, type Page, type TeamRole, type TokenSummary } from '../accounts';
import { api, ApiError, query } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { LeakPolicySection, LifecyclePolicySection } from '../components/policy-forms';
import { Link, navigate } from '../router';
import { grants, useSession } from '../session';
import { formatTime } from '../time';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';

const ROLE_WORDS: Record<TeamRole, string> = {
  owner: 'Owner: adds members, changes the team’s tokens',
  member: 'Member: changes the team’s tokens',
  viewer: 'Viewer: reads the team’s tokens only',
};

/** `#/teams`: the caller's teams (admins: all), and a form to make one. `#/teams/<id>`: one team. */
export function Teams({ id }: { id?: string }) {
  return id ? <TeamPage id={id} /> : <TeamList />;
}

function TeamList() {
  const { session } = useSession();
  const teams = useLoad(async () => {
    const [page, me] = await Promise.all([listTeams(), whoami()]);
    return { teams: page.items, roles: new Map(me.teams.map(({ team, role }) => [team.id, role])) };
  }, []);
  return (
    <>
      <PageHeader title="Teams" />
      <ErrorMessage error={teams.error} />
      {teams.loading && !teams.data ? <Loading what="your teams" /> : null}
      {teams.data && teams.data.teams.length === 0 ? <p className="muted">You are not in any team yet.</p> : null}
      {teams.data && teams.data.teams.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Slug</th>
                <th scope="col">Your role</th>
                <th scope="col" className="narrow-hidden">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {teams.data.teams.map((team) => (
                <tr key={team.id}>
                  <td>
                    <Link to={`/teams/${team.id}`}>{team.name}</Link>
                  </td>
                  <td>
                    <code>{team.slug}</code>
                  </td>
                  <td>{teams.data!.roles.get(team.id) ?? (session?.user.role === 'admin' ? 'admin (not a member)' : '—')}</td>
                  <td className="narrow-hidden">{formatTime(team.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {grants(session, 'teams:write') ? <CreateTeam /> : null}
    </>
  );
}

function CreateTeam() {
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const { busy, error, submit } = useAction(async () => {
    const created = await api<{ team: { id: string } }>('POST', '/v1/teams', { slug: slug.trim(), ...(name.trim() ? { name: name.trim() } : {}) });
    navigate(`/teams/${created.team.id}`);
  });
  return (
    <form onSubmit={submit} aria-labelledby="create-team-heading">
      <h2 id="create-team-heading">Create a team</h2>
      <p className="muted">You become its owner.</p>
      <label htmlFor="team-slug">Slug</label>
      <input
        id="team-slug"
        required
        pattern="[a-z0-9][a-z0-9\-]{0,47}"
        aria-describedby="team-slug-help"
        value={slug}
        onChange={(event) => setSlug(event.target.value)}
        spellCheck={false}
      />
      <p id="team-slug-help" className="muted">
        Lower-case letters, digits and dashes, e.g. <code>payments</code>.
      </p>
      <label htmlFor="team-name">Name (optional)</label>
      <input id="team-name" value={name} onChange={(event) => setName(event.target.value)} />
      <div className="form-actions">
        <button type="submit" disabled={busy || slug.trim() === ''}>
          {busy ? 'Creating…' : 'Create team'}
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}

function TeamPage({ id }: { id: string }) {
  const { session } = useSession();
  const team = useLoad(() => getTeam(id), [id]);
  const tokens = useLoad(
    () => (grants(session, 'tokens:read') ? api<Page<TokenSummary>>('GET', `/v1/tokens${query({ teamId: id, limit: 20 })}`) : Promise.resolve(undefined)),
    [id, session],
  );
  if (team.error) {
    return (
      <>
        <PageHeader title="Team" />
        <ErrorMessage error={team.error} />
        <p>
          <Link to="/teams">Back to your teams</Link>
        </p>
      </>
    );
  }
  if (!team.data) return <Loading what="the team" />;
  const { team: t, members } = team.data;
  const myRole = members.find((m) => m.userId === session?.user.id)?.role;
  const isAdmin = session?.user.role === 'admin';
  // Owners (and admins who are not members) add members; the server decides anyway.
  const canManage = (myRole ? myRole === 'owner' : isAdmin) && grants(session, 'teams:write');
  // Owners and admins (members or not) change roles, remove members and set the team's policies.
  const governs = myRole === 'owner' || isAdmin;
  return (
    <>
      <PageHeader title={t.name} />
      <p>
        <code>{t.slug}</code> · your role: <strong>{myRole ?? (isAdmin ? 'admin (not a member)' : 'none')}</strong> · <Link to="/teams">All your teams</Link>
      </p>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">Members</h2>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">User id</th>
                <th scope="col" className="narrow-hidden">
                  Since
                </th>
                {governs && grants(session, 'teams:write') ? <th scope="col">Change</th> : null}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId}>
                  <td>{m.name ?? '(a user who is gone)'}</td>
                  <td>{m.role}</td>
                  <td>
                    <code className="id">{m.userId}</code>
                  </td>
                  <td className="narrow-hidden">{formatTime(m.createdAt)}</td>
                  {governs && grants(session, 'teams:write') ? (
                    <td>
                      <MemberActions teamId={t.id} member={m} onChanged={team.reload} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {canManage ? (
          <AddMember teamId={t.id} onAdded={team.reload} />
        ) : (
          <p className="muted">Only the team’s owners add members. They (and admins) change roles and remove members too.</p>
        )}
      </section>
      <section aria-labelledby="team-tokens-heading">
        <h2 id="team-tokens-heading">Tokens</h2>
        <ErrorMessage error={tokens.error} />
        {tokens.data && tokens.data.items.length === 0 ? <p className="muted">This team has no tokens yet.</p> : null}
        {tokens.data && tokens.data.items.length > 0 ? (
          <ul>
            {tokens.data.items.map((token) => (
              <li key={token.id}>
                <Link to={`/tokens/${token.id}`}>{token.name}</Link>{' '}
                <span className={`status ${token.status.toLowerCase()}`}>{token.status.toLowerCase()}</span>
              </li>
            ))}
          </ul>
        ) : null}
        {myRole === 'viewer' ? <p className="muted">As a viewer you may read this team’s tokens but not change them.</p> : null}
      </section>
      {grants(session, 'policies:read') ? (
        <LifecyclePolicySection teamId={t.id} heading="Lifecycle policy" editable={governs && grants(session, 'policies:write')} />
      ) : null}
      {grants(session, 'teams:read') ? <LeakPolicySection teamId={t.id} heading="Leaked keys" editable={governs && grants(session, 'teams:write')} /> : null}
    </>
  );
}

/** A member's role picked and saved (PATCH), or the member removed (DELETE); a refusal in words. */
function MemberActions({ teamId, member, onChanged }: { teamId: string; member: Member; onChanged(): void }) {
  const [role, setRole] = useState<TeamRole>(member.role);
  const who = member.name ?? member.userId;
  const path = `/v1/teams/${encodeURIComponent(teamId)}/members/${encodeURIComponent(member.userId)}`;
  const change = useAction(async () => {
    await api('PATCH', path, { role });
    onChanged();
  });
  const remove = useAction(async () => {
    await api('DELETE', path);
    onChanged();
  });
  return (
    <div className="inline-form">
      <select aria-label={`Set ${who} as`} value={role} onChange={(event) => setRole(event.target.value as TeamRole)}>
        {TEAM_ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <button type="button" className="secondary" disabled={change.busy || role === member.role} onClick={() => void change.run()}>
        Change role<span className="visually-hidden"> of {who}</span>
      </button>
      <button type="button" className="danger" disabled={remove.busy} onClick={() => void remove.run()}>
        Remove<span className="visually-hidden"> {who}</span>
      </button>
      <ErrorMessage error={change.error ?? remove.error} />
    </div>
  );
}

function AddMember({ teamId, onAdded }: { teamId: string; onAdded(): void }) {
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<TeamRole>('member');
  const [done, setDone] = useState<string>();
  const { busy, error, submit } = useAction(
    async () => {
      setDone(undefined);
      await api('POST', `/v1/teams/${encodeURIComponent(teamId)}/members`, { userId: userId.trim(), role });
      setDone(`Added as ${role}.`);
      setUserId('');
      onAdded();
    },
    (failure) => {
      const code = failure instanceof ApiError ? failure.code : '';
      return code === 'USER_NOT_FOUND'
        ? new Error('There is no user with that id. Check it under Users (admins) or ask the person for it.')
        : code === 'CONFLICT'
          ? new Error('That person is in this team already.')
          : failure;
    },
  );
  return (
    <form onSubmit={submit} aria-labelledby="add-member-heading">
      <h3 id="add-member-heading">Add a member</h3>
      <label htmlFor="member-user">User id</label>
      <input
        id="member-user"
        required
        value={userId}
        onChange={(event) => setUserId(event.target.value)}
        placeholder="usr_…"
        spellCheck={false}
        aria-describedby="member-user-help"
      />
      <p id="member-user-help" className="muted">
        The person’s user id (<code>usr_…</code>); an admin finds it under Users.
      </p>
      <label htmlFor="member-role">Role</label>
      <select id="member-role" value={role} onChange={(event) => setRole(event.target.value as TeamRole)}>
        {TEAM_ROLES.map((r) => (
          <option key={r} value={r}>
            {ROLE_WORDS[r]}
          </option>
        ))}
      </select>
      <div className="form-actions">
        <button type="submit" disabled={busy || userId.trim() === ''}>
          {busy ? 'Adding…' : 'Add member'}
        </button>
      </div>
      <ErrorMessage error={error} />
      {done ? (
        <p role="status" className="ok">
          {done}
        </p>
      ) : null}
    </form>
  );
}
