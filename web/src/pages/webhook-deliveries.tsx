import { useEffect, useState } from 'react';
import { api } from '../api';
import { ErrorMessage, Loading } from '../components/feedback';
import { formatRelative, formatTime } from '../time';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';
import { DELIVERY_STATUS, listDeliveries, type DeliveryView } from '../webhook-model';

const PAGE_SIZE = 25;
/** While a shown delivery is pending, the log reads itself again this often: attempts happen within seconds. */
const PENDING_REFRESH_MS = 2000;

/**
 * A webhook's delivery log, newest first, 25 a page by cursor: what was sent, how it went, what the
 * receiver answered and when the next attempt is; Redeliver sends a row's event again.
 */
export function DeliveryLog({ webhookId, mayRedeliver, round }: { webhookId: string; mayRedeliver: boolean; round: number }) {
  /** The cursors of the pages before this one; the last is this page's. */
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [refresh, setRefresh] = useState(0);
  const cursor = cursors[cursors.length - 1];
  const log = useLoad(() => listDeliveries(webhookId, cursor, PAGE_SIZE), [webhookId, cursor, round, refresh]);
  const pending = log.data?.items.some((d) => d.status === 'pending') ?? false;

  useEffect(() => {
    if (!pending) return undefined;
    const timer = setTimeout(() => setRefresh((n) => n + 1), PENDING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [pending, log.data]);

  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      <p className="muted">
        Newest first, kept for 30 days. A failed attempt is retried with growing waits for 24 hours.{' '}
        <button type="button" className="secondary" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
      </p>
      <ErrorMessage error={log.error} />
      {log.loading && !log.data ? <Loading what="the deliveries" /> : null}
      {log.data ? (
        <>
          <div className="table-scroll">
            <table className="deliveries-table">
              <caption className="visually-hidden">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Answer</th>
                  <th scope="col" className="narrow-hidden">
                    Last error
                  </th>
                  <th scope="col" className="narrow-hidden">
                    Next attempt
                  </th>
                  <th scope="col" className="narrow-hidden">
                    Times
                  </th>
                  {mayRedeliver ? <th scope="col">Again</th> : null}
                </tr>
              </thead>
              <tbody>
                {log.data.items.length === 0 ? (
                  <tr>
                    <td colSpan={mayRedeliver ? 8 : 7} className="muted">
                      Nothing delivered yet.
                    </td>
                  </tr>
                ) : null}
                {log.data.items.map((delivery) => (
                  <DeliveryRow
                    key={delivery.id}
                    webhookId={webhookId}
                    delivery={delivery}
                    mayRedeliver={mayRedeliver}
                    onRedelivered={() => {
                      setCursors([undefined]);
                      setRefresh((n) => n + 1);
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of deliveries">
            <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Newer
            </button>
            <span className="muted">Page {cursors.length}</span>
            <button
              type="button"
              className="secondary"
              disabled={!log.data.nextCursor}
              onClick={() => setCursors([...cursors, log.data!.nextCursor ?? undefined])}
            >
              Older
            </button>
          </nav>
        </>
      ) : null}
    </section>
  );
}

function DeliveryRow({
  webhookId,
  delivery: d,
  mayRedeliver,
  onRedelivered,
}: {
  webhookId: string;
  delivery: DeliveryView;
  mayRedeliver: boolean;
  onRedelivered(): void;
}) {
  const redeliver = useAction(async () => {
    await api('POST', `/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(d.id)}/redeliver`);
    onRedelivered();
  });
  return (
    <tr>
      <th scope="row">
        <code>{d.eventType}</code>
        <span className="id muted"> {d.eventId}</span>
      </th>
      <td>
        <span className={`status delivery-${d.status}`}>{DELIVERY_STATUS[d.status]}</span>
      </td>
      <td>{d.attempts}</td>
      <td>{d.lastStatusCode ?? <span className="muted">none</span>}</td>
      <td className="narrow-hidden">{d.lastError ?? <span className="muted">none</span>}</td>
      <td className="narrow-hidden">
        {d.nextAttemptAt === null || d.status !== 'pending' ? (
          <span className="muted">none</span>
        ) : (
          <span title={formatTime(d.nextAttemptAt)}>{formatRelative(d.nextAttemptAt)}</span>
        )}
      </td>
      <td className="narrow-hidden">
        queued {formatTime(d.createdAt)}
        {d.lastAttemptAt !== null ? `; last tried ${formatTime(d.lastAttemptAt)}` : ''}
        {d.deliveredAt !== null ? `; delivered ${formatTime(d.deliveredAt)}` : ''}
      </td>
      {mayRedeliver ? (
        <td>
          <button
            type="button"
            className="secondary"
            disabled={redeliver.busy}
            aria-label={`Redeliver ${d.eventType} ${d.eventId}`}
            onClick={() => void redeliver.run()}
          >
            {redeliver.busy ? 'Sending…' : 'Redeliver'}
          </button>
          <ErrorMessage error={redeliver.error} />
        </td>
      ) : null}
    </tr>
  );
}
