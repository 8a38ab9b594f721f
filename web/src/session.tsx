import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, setCsrfToken } from './api';

/** Who is signed in: what `POST /v1/session` and `GET /v1/session` answer. */
export interface Session {
  user: { id: string; name: string; role?: string; [key: string]: unknown };
  scopes: string[];
  csrfToken: string;
  expiresAt: number;
}

interface SessionState {
  /** undefined while the first read is under way; null when nobody is signed in. */
  session: Session | null | undefined;
  signIn(token: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

/**
 * The session lives in an HttpOnly cookie the page never sees; the page keeps only who it is and
 * the CSRF token, in memory. The token pasted to sign in is sent once and never stored.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  const adopt = useCallback((next: Session | null) => {
    setCsrfToken(next?.csrfToken);
    setSession(next);
  }, []);

  useEffect(() => {
    api<Session>('GET', '/v1/session').then(adopt, () => adopt(null));
  }, [adopt]);

  const signIn = useCallback(async (token: string) => adopt(await api<Session>('POST', '/v1/session', { token })), [adopt]);
  const signOut = useCallback(async () => {
    try {
      await api('DELETE', '/v1/session');
    } finally {
      adopt(null);
    }
  }, [adopt]);

  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** Whether the signed-in token grants `scope` (`*`, `x:*`, or a write covering its read), as the server decides. */
export function grants(session: Session | null | undefined, scope: string): boolean {
  if (!session) return false;
  const [kind] = scope.split(':');
  const write = scope.endsWith(':read') ? `${kind}:write` : undefined;
  return session.scopes.some((granted) => granted === '*' || granted === scope || granted === `${kind}:*` || granted === write);
}
