import './pages.css';
import { useState } from 'react';
import { listUsers, type User } from '../accounts';
import { api } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { SecretOnce } from '../components/secret-once';
import { TypedConfirm } from '../components/typed-confirm';
import { grants, useSession } from '../session';
import { formatTime } from '../time';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';

/** `#/users`: admins list and create users, and give a new user a token to sign in with. Others read why they cannot. */
export function Users() {
  const { session } = useSession();
  if (session?.user.role !== 'admin') {
    return (
      <>
        <PageHeader title="Users" />
        <p className="notice" role="note">
          Only admins can see and create users. Ask an admin if you need someone added to tessera.
        </p>
      </>
    );
  }
  return <UserAdmin canWrite={grants(session, 'users:write')} canRead={grants(session, 'users:read')} me={session.user.id} />;
}

function UserAdmin({ canRead, canWrite, me }: { canRead: boolean; canWrite: boolean; me: string }) {
  const [pages, setPages] = useState<Array<string | undefined>>([undefined]);
  const users = useLoad(async () => {
    if (!canRead) return { items: [] as User[], nextCursor: null };
    const all: User[] = [];
    let next: string | null = null;
    for (const cursor of pages) {
      const page = await listUsers(cursor);
      all.push(...page.items);
      next = page.nextCursor;
    }
    return { items: all, nextCursor: next };
  }, [pages, canRead]);
  return (
    <>
      <PageHeader title="Users" />
      {!canRead ? <p className="notice">Your token does not have the users:read scope, so the list of users is not shown.</p> : null}
      <ErrorMessage error={users.error} />
      {users.loading && !users.data ? <Loading what="users" /> : null}
      {users.data && users.data.items.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="narrow-hidden">
                  Email
                </th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">User id</th>
                <th scope="col" className="narrow-hidden">
                  Created
                </th>
                {canWrite ? <th scope="col">Offboarding</th> : null}
              </tr>
            </thead>
            <tbody>
              {users.data.items.map((user) => (
                <tr key={user.id}>
                  <td>{user.name}</td>
                  <td className="narrow-hidden">{user.email ?? '—'}</td>
                  <td>{user.role}</td>
                  <td>
                    {user.disabledAt ? (
                      <span className="status disabled" title={`since ${formatTime(user.disabledAt)}`}>
                        disabled
                      </span>
                    ) : (
                      <span className="status active">active</span>
                    )}
                  </td>
                  <td>
                    <code className="id">{user.id}</code>
                  </td>
                  <td className="narrow-hidden">{formatTime(user.createdAt)}</td>
                  {canWrite ? <td>{user.id === me ? <span className="muted">you</span> : <Offboarding user={user} onChanged={users.reload} />}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {users.data?.nextCursor ? (
        <button type="button" className="secondary" onClick={() => setPages([...pages, users.data!.nextCursor!])}>
          Show more users
        </button>
      ) : null}
      {canWrite ? <CreateUser onCreated={users.reload} /> : null}
    </>
  );
}

/**
 * Disable (every token of theirs answers DISABLED), enable (all but those suspended one by one), or
 * delete behind their typed name (tokens revoked, memberships gone). docs/governance.md, "Offboarding".
 */
function Offboarding({ user, onChanged }: { user: User; onChanged(): void }) {
  const [done, setDone] = useState<string>();
  const path = `/v1/users/${encodeURIComponent(user.id)}`;
  const toggle = useAction(async () => {
    setDone(undefined);
    const verb = user.disabledAt ? 'enable' : 'disable';
    const answer = await api<{ tokens: number }>('POST', `${path}/${verb}`);
    setDone(`${user.name} ${verb}d: ${answer.tokens} token${answer.tokens === 1 ? '' : 's'} ${verb === 'disable' ? 'stopped' : 'working again'}.`);
    onChanged();
  });
  return (
    <div className="offboarding">
      <button type="button" className={user.disabledAt ? 'secondary' : 'danger'} disabled={toggle.busy} onClick={() => void toggle.run()}>
        {user.disabledAt ? 'Enable' : 'Disable'}
        <span className="visually-hidden"> {user.name}</span>
      </button>
      <TypedConfirm
        name={user.name}
        what="user's name"
        open={`Delete…`}
        confirm="Delete user"
        onConfirm={async () => {
          await api('DELETE', path);
          onChanged();
        }}
      >
        <p>
          Deleting <strong>{user.name}</strong> revokes every token of theirs and removes them from their teams. The audit log keeps their name. It cannot be
          undone.
        </p>
      </TypedConfirm>
      <ErrorMessage error={toggle.error} />
      {done ? (
        <p role="status" className="ok">
          {done}
        </p>
      ) : null}
    </div>
  );
}

function CreateUser({ onCreated }: { onCreated(): void }) {
  const { session } = useSession();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [created, setCreated] = useState<User>();
  const [secret, setSecret] = useState<string>();
  const create = useAction(async () => {
    setSecret(undefined);
    const { user } = await api<{ user: User }>('POST', '/v1/users', { name: name.trim(), ...(email.trim() ? { email: email.trim() } : {}), role });
    setCreated(user);
    setName('');
    setEmail('');
    onCreated();
  });
  const issue = useAction(async () => {
    if (!created) return;
    const answer = await api<{ secret: string }>('POST', '/v1/tokens', { name: `${created.name} personal`, type: 'personal', ownerUserId: created.id });
    setSecret(answer.secret);
  });
  const busy = create.busy || issue.busy;

  return (
    <section aria-labelledby="create-user-heading">
      <h2 id="create-user-heading">Create a user</h2>
      <form onSubmit={create.submit}>
        <label htmlFor="user-name">Name</label>
        <input id="user-name" required maxLength={200} value={name} onChange={(event) => setName(event.target.value)} />
        <label htmlFor="user-email">Email (optional)</label>
        <input id="user-email" type="email" maxLength={320} value={email} onChange={(event) => setEmail(event.target.value)} />
        <label htmlFor="user-role">Role</label>
        <select id="user-role" value={role} onChange={(event) => setRole(event.target.value as 'member' | 'admin')}>
          <option value="member">Member: manages their own tokens and their teams’</option>
          <option value="admin">Admin: may do everything</option>
        </select>
        <div className="form-actions">
          <button type="submit" disabled={busy || name.trim() === ''}>
            {busy ? 'Working…' : 'Create user'}
          </button>
        </div>
      </form>
      <ErrorMessage error={create.error ?? issue.error} />
      {created ? (
        <div role="status">
          <p>
            Created <strong>{created.name}</strong> (<code>{created.id}</code>).{' '}
            {secret ? null : 'To sign in, they need a personal token: you can make one for them now.'}
          </p>
          {secret ? null : grants(session, 'tokens:write') ? (
            <button type="button" onClick={() => void issue.run()} disabled={busy}>
              Create a sign-in token for {created.name}
            </button>
          ) : null}
        </div>
      ) : null}
      {secret && created ? <SecretOnce secret={secret} label={`The sign-in token for ${created.name}`} /> : null}
    </section>
  );
}
