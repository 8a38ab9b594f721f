import type { AuditEvent } from '../accounts';
import { describeEvent } from '../audit-words';
import { dateTime, relativeTime } from '../time';

/** "alice revoked token ‘ci deploy’ 3 minutes ago", the time also exact on hover and to screen readers. */
export function AuditSentence({ event, now }: { event: AuditEvent; now?: number }) {
  return (
    <>
      {describeEvent(event)}{' '}
      <time dateTime={new Date(event.at).toISOString()} title={dateTime(event.at)}>
        {relativeTime(event.at, now)}
      </time>
    </>
  );
}
