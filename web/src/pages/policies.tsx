import './pages.css';
import { PageHeader } from '../components/feedback';
import { LeakPolicySection, LifecyclePolicySection } from '../components/policy-forms';
import { Link } from '../router';
import { grants, useSession } from '../session';

/**
 * `#/policies`: the installation's lifecycle policy and its default leak policy. Everyone who may
 * read them sees the rules in words; admins change them. A team's own policies are on its page.
 */
export function Policies() {
  const { session } = useSession();
  const admin = session?.user.role === 'admin';
  if (!grants(session, 'policies:read'))
    return (
      <>
        <PageHeader title="Policies" />
        <p className="notice" role="note">
          Your session may not read policies (it needs the scope policies:read).
        </p>
      </>
    );
  return (
    <>
      <PageHeader title="Policies" />
      <p className="muted">
        The rules every token of this installation keeps. A team may add stricter rules of its own on its page (<Link to="/teams">Teams</Link>); the stricter of
        each rule wins.
      </p>
      <LifecyclePolicySection heading="Lifecycle policy" editable={admin && grants(session, 'policies:write')} />
      <LeakPolicySection heading="Leaked keys: the default policy" editable={admin && grants(session, 'teams:write')} />
    </>
  );
}
