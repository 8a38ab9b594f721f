import { useId } from 'react';
import { api, query } from '../api';
import { formatDuration, formatRelative, formatTime } from '../time';
import type { AuditEvent, Page, TokenView } from '../token-model';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';
import { ErrorMessage } from './feedback';

/** What the leak policy did, from the `token.leak` audit entry's details, in words. */
export function leakOutcome(details: Record<string, unknown>): string {
  const grace = typeof details.gracePeriodMs === 'number' ? details.gracePeriodMs : null;
  switch (details.action) {
    case 'revoke':
      return 'revoked it at once';
    case 'disable':
      return 'suspended it until its owner resumes it';
    case 'notify':
      return 'left it working and announced the leak';
    case 'rotate':
      return `made a successor${typeof details.replacementId === 'string' ? ` (${details.replacementId})` : ''}; the leaked secret works ${grace ? `for ${formatDuration(grace)} more` : 'no longer'}`;
    default:
      return 'recorded the report';
  }
}

const SOURCES: Record<string, string> = { github: 'GitHub secret scanning', gitlab: 'GitLab', report: 'a public report' };

/**
 * A token reported leaked: when, where (the reporter's URL, a link that passes on nothing), who
 * reported it and what its leak policy did (the first `token.leak` audit entry).
 */
export function LeakSection({ token, mayReadAudit }: { token: TokenView; mayReadAudit: boolean }) {
  const id = useId();
  const entry = useLoad(async () => {
    if (!mayReadAudit) return undefined;
    const page = await api<Page<AuditEvent>>('GET', `/v1/audit${query({ targetId: token.id, action: 'token.leak', limit: 50 })}`);
    // The first report decided; later ones are repeats.
    return page.items.filter((e) => e.action === 'token.leak').sort((a, b) => a.at - b.at)[0];
  }, [token.id, mayReadAudit]);
  return (
    <section aria-labelledby={`${id}-title`} className="leak-notice">
      <h2 id={`${id}-title`}>This token’s secret leaked</h2>
      <dl className="details">
        <dt>Reported</dt>
        <dd>
          {formatTime(token.leakedAt)} ({formatRelative(token.leakedAt!)})
          {entry.data && typeof entry.data.details.source === 'string' ? `, by ${SOURCES[entry.data.details.source] ?? entry.data.details.source}` : ''}
        </dd>
        <dt>Where</dt>
        <dd>
          {token.leakedUrl ? (
            <a href={token.leakedUrl} rel="noopener noreferrer nofollow" target="_blank" className="id">
              {token.leakedUrl}
            </a>
          ) : (
            'not given'
          )}
        </dd>
        <dt>Its leak policy</dt>
        <dd>{entry.data ? leakOutcome(entry.data.details) : mayReadAudit ? (entry.error ? 'not known' : '…') : 'not shown (needs the scope audit:read)'}</dd>
        {entry.data && typeof entry.data.details.note === 'string' ? (
          <>
            <dt>Reporter’s note</dt>
            <dd>{entry.data.details.note}</dd>
          </>
        ) : null}
      </dl>
      <ErrorMessage error={entry.error} />
      <p>Anyone may have it: rotate or revoke it, and replace it wherever it is used.</p>
    </section>
  );
}

/** Suspend (DISABLED everywhere, nothing lost) or resume a token; a suspension by its owner's offboarding is said apart. */
export function SuspendSection({ token, onChanged }: { token: TokenView; onChanged(): void }) {
  const id = useId();
  const suspended = token.disabledAt !== null;
  const { busy, error, run } = useAction(async () => {
    await api('POST', `/v1/tokens/${encodeURIComponent(token.id)}/${suspended ? 'enable' : 'disable'}`);
    onChanged();
  });
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Suspend</h2>
      {suspended ? (
        <p>
          Suspended since {formatTime(token.disabledAt)}: it answers DISABLED everywhere. Resuming makes it work again
          {token.ownerDisabledAt ? ' once its owner is enabled too' : ''}.
        </p>
      ) : (
        <p>Suspending stops its secret at once, everywhere, without losing anything: resume it any time.</p>
      )}
      {token.ownerDisabledAt ? <p className="muted">Its owner was disabled {formatTime(token.ownerDisabledAt)}.</p> : null}
      <button type="button" className={suspended ? undefined : 'danger'} disabled={busy} onClick={() => void run()}>
        {busy ? 'Working…' : suspended ? 'Resume' : 'Suspend'}
      </button>
      <ErrorMessage error={error} />
    </section>
  );
}
