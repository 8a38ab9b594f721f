import type { AuditEvent } from '../accounts';
import { describeEvent } from '../audit-words';
import { formatRelative, formatTime } from '../time';

/** "alice revoked token ‘ci deploy’ 3 minutes ago", the time also exact on hover and to screen readers. */
export function AuditSentence({ event, now }: { event: AuditEvent; now?: number }) {
  return (
    <>
      {describeEvent(event)}{' '}
      <time dateTime={new Date(event.at).toISOString()} title={formatTime(event.at)}>
        {formatRelative(event.at, now)}
      </time>
    </>
  );
}
