import './pages.css';
import { useState } from 'react';
import { whoami, type TeamRole } from '../accounts';
import { api, ApiError } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { grants, useSession } from '../session';
import { formatTime } from '../time';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';

interface Pool {
  ownerId: string;
  credits: string;
  createdAt: number;
  updatedAt: number;
}

interface PoolRow {
  ownerId: string;
  owner: string;
  /** Whether the caller may add to it: its user, a team's owners and members, admins. */
  writable: boolean;
  pool: Pool | null;
}

/** A pool, or null when its owner has none yet (made on the first credits added). */
async function poolOf(ownerId: string): Promise<Pool | null> {
  try {
    return await api<Pool>('GET', `/v1/credit-pools/${encodeURIComponent(ownerId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

const canWriteAs = (role: TeamRole) => role === 'owner' || role === 'member';

/** `#/pools`: the shared credit pools of the caller and of the caller's teams, and adding to them. */
export function CreditPools() {
  const { session } = useSession();
  const canRead = grants(session, 'credits:read');
  const canWrite = grants(session, 'credits:write');
  const isAdmin = session?.user.role === 'admin';
  const rows = useLoad(async (): Promise<PoolRow[]> => {
    if (!canRead) return [];
    const me = await whoami();
    const owners = [
      { ownerId: me.user.id, owner: `You (${me.user.name})`, writable: true },
      ...me.teams.map(({ team, role }) => ({ ownerId: team.id, owner: `Team ${team.name}`, writable: canWriteAs(role) || isAdmin })),
    ];
    return Promise.all(owners.map(async (o) => ({ ...o, pool: await poolOf(o.ownerId) })));
  }, [canRead, isAdmin]);

  return (
    <>
      <PageHeader title="Credit pools" />
      <p className="muted">
        A pool is a balance of credits shared by the tokens of a user or a team that are made with “draw from the pool”. Each verification of such a token
        spends from it.
      </p>
      {!canRead ? <p className="notice">Your token does not have the credits:read scope, so pools are not shown.</p> : null}
      <ErrorMessage error={rows.error} />
      {rows.loading && !rows.data ? <Loading what="credit pools" /> : null}
      {rows.data && rows.data.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Whose</th>
                <th scope="col">Balance</th>
                <th scope="col" className="narrow-hidden">
                  Last changed
                </th>
                <th scope="col">Add credits</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map((row) => (
                <tr key={row.ownerId}>
                  <td>
                    {row.owner}
                    <br />
                    <code className="muted id">{row.ownerId}</code>
                  </td>
                  <td>{row.pool ? row.pool.credits : <span className="muted">No pool yet (0)</span>}</td>
                  <td className="narrow-hidden">{row.pool ? formatTime(row.pool.updatedAt) : '—'}</td>
                  <td>
                    {canWrite && row.writable ? (
                      <AddCredits ownerId={row.ownerId} owner={row.owner} onDone={rows.reload} />
                    ) : (
                      <span className="muted">{canWrite ? 'Only the team’s owners and members add credits.' : 'Needs the credits:write scope.'}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

function AddCredits({ ownerId, owner, onDone }: { ownerId: string; owner: string; onDone(): void }) {
  const [amount, setAmount] = useState('');
  const inputId = `credits-${ownerId}`;
  const { busy, error, submit } = useAction(async () => {
    if (!/^\d+(\.\d{1,9})?$/.test(amount.trim()) || Number(amount) <= 0) throw new Error('Enter a positive number of credits, e.g. 100 or 2.5.');
    await api('POST', `/v1/credit-pools/${encodeURIComponent(ownerId)}/credits`, { op: 'add', amount: amount.trim() });
    setAmount('');
    onDone();
  });
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={inputId} className="visually-hidden">
        Credits to add to the pool of {owner}
      </label>
      <input id={inputId} inputMode="decimal" size={10} value={amount} onChange={(event) => setAmount(event.target.value)} placeholder="100" />
      <button type="submit" disabled={busy || amount.trim() === ''}>
        {busy ? 'Adding…' : 'Add'}
        <span className="visually-hidden"> credits to the pool of {owner}</span>
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}
