import { useState } from 'react';
import { ErrorMessage } from '../components/feedback';
import { useSession } from '../session';
import { useAction } from '../use-action';

/** Paste a personal token; the server answers with a session cookie. The token is never stored here. */
export function SignIn() {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const { busy, error, submit } = useAction(async () => {
    await signIn(token.trim());
    setToken('');
  });

  return (
    <main className="sign-in">
      <h1>Sign in to tessera</h1>
      <p>
        Paste a <strong>personal token</strong> (it starts with <code>tsr_</code>). The first start of the server printed one for the admin user.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="token">Personal token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
        />
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ErrorMessage error={error} />
      <p className="muted">Your token is sent once to start a session and is not kept in this browser.</p>
    </main>
  );
}
