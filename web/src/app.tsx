import { useState } from 'react';
import { Loading } from './components/feedback';
import { AuditLog } from './pages/audit';
import { Overview } from './pages/overview';
import { Policies } from './pages/policies';
import { CreditPools } from './pages/pools';
import { SignIn } from './pages/sign-in';
import { Teams } from './pages/teams';
import { TokenPage } from './pages/token';
import { Tokens } from './pages/tokens';
import { Users } from './pages/users';
import { WebhookPage } from './pages/webhook';
import { Webhooks } from './pages/webhooks';
import { Link, useRoute } from './router';
import { grants, useSession } from './session';

const SECTIONS = [
  { path: '', label: 'Overview' },
  { path: 'tokens', label: 'Tokens' },
  { path: 'audit', label: 'Audit log' },
  { path: 'teams', label: 'Teams' },
  { path: 'users', label: 'Users' },
  { path: 'pools', label: 'Credit pools' },
  { path: 'webhooks', label: 'Webhooks', scope: 'webhooks:read' },
  { path: 'policies', label: 'Policies', scope: 'policies:read' },
] as const satisfies ReadonlyArray<{ path: string; label: string; scope?: string }>;

function Page({ route }: { route: string[] }) {
  const [section, id] = route;
  switch (section) {
    case undefined:
      return <Overview />;
    case 'tokens':
      return id ? <TokenPage id={id} /> : <Tokens />;
    case 'audit':
      return <AuditLog />;
    case 'teams':
      return <Teams {...(id ? { id } : {})} />;
    case 'users':
      return <Users />;
    case 'pools':
      return <CreditPools />;
    case 'webhooks':
      return id ? <WebhookPage id={id} /> : <Webhooks />;
    case 'policies':
      return <Policies />;
    default:
      return (
        <p role="alert" className="error">
          There is no page here. <Link to="/">Go to the overview.</Link>
        </p>
      );
  }
}

/** The signed-in app: a bar with the sections and the user, and the page of the current route. */
export function App() {
  const { session, signOut } = useSession();
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  if (session === undefined) return <Loading what="your session" />;
  if (session === null) return <SignIn />;
  const current = route[0] ?? '';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="bar">
        <span className="brand">tessera</span>
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="sections" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="sections" aria-label="Sections" className={menuOpen ? 'open' : ''}>
          <ul>
            {SECTIONS.filter((section) => !('scope' in section) || grants(session, section.scope)).map((section) => (
              <li key={section.path}>
                <Link to={`/${section.path}`} aria-current={current === section.path ? 'page' : undefined} onClick={() => setMenuOpen(false)}>
                  {section.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          Signed in as <strong>{session.user.name}</strong>
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}
