import '../tokens.css';
import './pages.css';
import { useEffect, useRef, useState } from 'react';
import { ErrorMessage, Loading, PageHeader } from '../components/feedback';
import { SecretOnce } from '../components/secret-once';
import { WebhookForm } from '../components/webhook-form';
import { Link } from '../router';
import { grants, useSession } from '../session';
import { formatTime } from '../time';
import { whoami } from '../token-model';
import { useLoad } from '../use-load';
import { heardOf, listAllWebhooks, statusWords, type WebhookWithSecret } from '../webhook-model';

/** How to check a delivery's signature, in one line, under a new or rotated secret. */
export function HowToVerify() {
  return (
    <p>
      Your receiver verifies each delivery with this secret over the raw body (any Standard Webhooks library does it): see “Verifying a delivery” in{' '}
      <code>docs/webhooks.md</code>.
    </p>
  );
}

/**
 * `#/webhooks`: every webhook the user may read — their own, their teams', and for an admin the
 * installation's — with whose objects each hears of and whether it is paused (and why). Create
 * opens a form above the list; the new signing secret is shown there once.
 */
export function Webhooks() {
  const { session } = useSession();
  const me = useLoad(whoami, []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<WebhookWithSecret>();
  const createdRef = useRef<HTMLDivElement>(null);
  const webhooks = useLoad(async () => (me.data ? listAllWebhooks(me.data) : undefined), [me.data, created]);
  const mayCreate = grants(session, 'webhooks:write');

  useEffect(() => {
    if (created) createdRef.current?.querySelector('h2')?.focus();
  }, [created]);

  return (
    <>
      <PageHeader title="Webhooks">
        {/* The form's team choices come from whoami: it opens once they are known. */}
        {mayCreate && !creating && me.data ? (
          <button
            type="button"
            onClick={() => {
              setCreated(undefined);
              setCreating(true);
            }}
          >
            Create webhook
          </button>
        ) : null}
      </PageHeader>
      <p className="muted">
        tessera POSTs a signed event to each URL when something it listens for happens to a token, credits, a user or a webhook.
        {mayCreate ? '' : ' Your session may read webhooks but not create or change them (it lacks the scope webhooks:write).'}
      </p>

      {created ? (
        <div ref={createdRef}>
          <SecretOnce
            secret={created.secret}
            label="Signing secret"
            intro={
              <>
                <p>
                  Webhook for <strong>{created.webhook.url}</strong> was created. <Link to={`/webhooks/${created.webhook.id}`}>Open its page</Link> (the secret
                  will not be there).
                </p>
                <HowToVerify />
              </>
            }
            onHide={() => setCreated(undefined)}
          />
        </div>
      ) : null}
      {creating ? (
        <WebhookForm
          me={me.data}
          onCancel={() => setCreating(false)}
          onCreated={(next) => {
            setCreating(false);
            setCreated(next);
          }}
        />
      ) : null}

      <ErrorMessage error={me.error ?? webhooks.error} />
      {webhooks.loading && !webhooks.data ? <Loading what="webhooks" /> : null}
      {webhooks.data ? (
        <div className="table-scroll">
          <table className="webhooks-table">
            <caption className="visually-hidden">Webhooks you may see, newest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col" className="narrow-hidden">
                  Description
                </th>
                <th scope="col" className="narrow-hidden">
                  Events
                </th>
                <th scope="col">Hears of</th>
                <th scope="col">Status</th>
                <th scope="col" className="narrow-hidden">
                  Created
                </th>
              </tr>
            </thead>
            <tbody>
              {webhooks.data.length === 0 ? (
                <tr>
                  <td colSpan={6} className="muted">
                    No webhooks yet.
                  </td>
                </tr>
              ) : null}
              {webhooks.data.map((webhook) => {
                const status = statusWords(webhook);
                return (
                  <tr key={webhook.id}>
                    <th scope="row" className="url">
                      <Link to={`/webhooks/${webhook.id}`}>{webhook.url}</Link>
                    </th>
                    <td className="narrow-hidden">{webhook.description || <span className="muted">none</span>}</td>
                    <td className="narrow-hidden">{webhook.events.join(', ')}</td>
                    <td>{heardOf(webhook, me.data)}</td>
                    <td>
                      <span className={`status ${webhook.status}`}>{status.word}</span>
                      {status.why ? <span className="status-why">{status.why}</span> : null}
                    </td>
                    <td className="narrow-hidden">{formatTime(webhook.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
