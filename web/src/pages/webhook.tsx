import '../tokens.css';
import './pages.css';
import { useState } from 'react';
import { api } from '../api';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { SecretOnce } from '../components/secret-once';
import { TypedConfirm } from '../components/typed-confirm';
import { WebhookForm } from '../components/webhook-form';
import { Link } from '../router';
import { grants, useSession } from '../session';
import { formatTime } from '../time';
import { whoami, type Whoami } from '../token-model';
import { useAction } from '../use-action';
import { useLoad } from '../use-load';
import { getWebhook, heardOf, mayManage, statusWords, type WebhookView } from '../webhook-model';
import { DeliveryLog } from './webhook-deliveries';
import { HowToVerify } from './webhooks';

/** `#/webhooks/<id>`: one webhook, what may be done to it, and its delivery log. */
export function WebhookPage({ id }: { id: string }) {
  // A page per webhook: a rotated secret or a half-typed confirmation never shows on another's.
  return <OneWebhook key={id} id={id} />;
}

function OneWebhook({ id }: { id: string }) {
  const { session } = useSession();
  const me = useLoad(whoami, []);
  const loaded = useLoad(() => getWebhook(id), [id]);
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<string>();
  const [deleted, setDeleted] = useState<string>();
  /** Bumped after an action that queues a delivery, so the log reads again. */
  const [round, setRound] = useState(0);

  if (deleted)
    return (
      <>
        <PageHeader title="Webhook deleted" />
        <p role="status">
          The webhook for <strong>{deleted}</strong> and its delivery log were deleted: nothing more is sent to it.{' '}
          <Link to="/webhooks">Back to the webhooks</Link>
        </p>
      </>
    );
  if (loaded.error)
    return (
      <>
        <PageHeader title="Webhook" />
        <ErrorMessage error={loaded.error} />
        <p>
          <Link to="/webhooks">Back to the webhooks</Link>
        </p>
      </>
    );
  const webhook = loaded.data;
  if (!webhook) return <Loading what="the webhook" />;
  const manage = grants(session, 'webhooks:write') && mayManage(me.data, webhook);

  return (
    <>
      <p className="breadcrumb">
        <Link to="/webhooks">Webhooks</Link> / {webhook.url}
      </p>
      <PageHeader title="Webhook">
        <span className={`status ${webhook.status}`}>{statusWords(webhook).word}</span>
      </PageHeader>
      {!manage ? (
        <p className="muted">
          You can read this webhook and its deliveries but not change them
          {!grants(session, 'webhooks:write') ? ' (your session lacks the scope webhooks:write)' : ' (a viewer of its team, or not its owner)'}.
        </p>
      ) : null}
      {secret ? (
        <SecretOnce
          secret={secret}
          label="New signing secret"
          intro={
            <>
              <p>The previous secret also signs each delivery for 24 hours, so receivers can switch to this one meanwhile.</p>
              <HowToVerify />
            </>
          }
          onHide={() => setSecret(undefined)}
        />
      ) : null}

      {editing ? (
        <WebhookForm
          me={me.data}
          webhook={webhook}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            loaded.reload();
          }}
        />
      ) : (
        <Details webhook={webhook} me={me.data} />
      )}

      {manage ? (
        <Actions
          webhook={webhook}
          editing={editing}
          onEdit={() => setEditing(true)}
          onChanged={() => {
            loaded.reload();
            setRound((n) => n + 1);
          }}
          onRotated={setSecret}
        />
      ) : null}
      {manage ? (
        <section aria-labelledby="delete-title">
          <h2 id="delete-title">Delete</h2>
          <TypedConfirm
            name={webhook.url}
            what="webhook's URL"
            open="Delete…"
            confirm="Delete webhook"
            onConfirm={async () => {
              await api('DELETE', `/v1/webhooks/${encodeURIComponent(webhook.id)}`);
              setDeleted(webhook.url);
            }}
          >
            <p>Deleting stops every delivery to it and forgets its delivery log; the audit log keeps that it existed. It cannot be undone.</p>
          </TypedConfirm>
        </section>
      ) : null}

      <DeliveryLog webhookId={webhook.id} mayRedeliver={manage} round={round} />
    </>
  );
}

function Details({ webhook, me }: { webhook: WebhookView; me: Whoami | undefined }) {
  const status = statusWords(webhook);
  return (
    <section aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <dl className="details">
        <dt>URL</dt>
        <dd className="url">{webhook.url}</dd>
        <dt>Description</dt>
        <dd>{webhook.description || <span className="muted">none</span>}</dd>
        <dt>Events</dt>
        <dd>{webhook.events.join(', ')}</dd>
        <dt>Hears of</dt>
        <dd>{heardOf(webhook, me)}</dd>
        <dt>Status</dt>
        <dd>
          {status.word}
          {status.why ? `: ${status.why}` : ''}
          {webhook.status !== 'paused' && webhook.consecutiveFailures > 0 ? ` (${webhook.consecutiveFailures} failed attempts in a row)` : ''}
          {webhook.failingSince !== null ? `, failing since ${formatTime(webhook.failingSince)}` : ''}
        </dd>
        <dt>Expiry warning</dt>
        <dd>{webhook.expiringDays} days before a token expires</dd>
        <dt>Low credits at</dt>
        <dd>{webhook.creditsLowThreshold ?? <span className="muted">never</span>}</dd>
        <dt>Id</dt>
        <dd>
          <code className="id">{webhook.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(webhook.createdAt)}</dd>
        <dt>Changed</dt>
        <dd>{formatTime(webhook.updatedAt)}</dd>
      </dl>
    </section>
  );
}

function Actions({
  webhook,
  editing,
  onEdit,
  onChanged,
  onRotated,
}: {
  webhook: WebhookView;
  editing: boolean;
  onEdit(): void;
  onChanged(): void;
  onRotated(secret: string): void;
}) {
  const path = `/v1/webhooks/${encodeURIComponent(webhook.id)}`;
  const [done, setDone] = useState<string>();
  const resume = webhook.status !== 'active';
  const toggle = useAction(async () => {
    setDone(undefined);
    await api('PATCH', path, { enabled: resume });
    setDone(resume ? 'Resumed: queued events are sent now.' : 'Paused: nothing is queued or sent until you resume it.');
    onChanged();
  });
  const test = useAction(async () => {
    setDone(undefined);
    const { eventId } = await api<{ eventId: string }>('POST', `${path}/test`);
    setDone(`A test event (${eventId}) is on its way: it shows in the delivery log.`);
    onChanged();
  });
  const rotate = useAction(async () => {
    setDone(undefined);
    const rotated = await api<{ secret: string }>('POST', `${path}/rotate-secret`);
    onRotated(rotated.secret);
    setDone('The secret was rotated: the new one is shown above, once.');
    onChanged();
  });
  const busy = toggle.busy || test.busy || rotate.busy;
  return (
    <section aria-labelledby="webhook-actions-title">
      <h2 id="webhook-actions-title">Change, test or rotate</h2>
      <div className="form-actions">
        {editing ? null : (
          <button type="button" className="secondary" onClick={onEdit}>
            Edit
          </button>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => void toggle.run()}>
          {resume ? 'Resume' : 'Pause'}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => void test.run()}>
          Send a test event
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => void rotate.run()}>
          Rotate the secret
        </button>
      </div>
      <ErrorMessage error={toggle.error ?? test.error ?? rotate.error} />
      <p role="status" className="ok">
        {done ?? ''}
      </p>
    </section>
  );
}
