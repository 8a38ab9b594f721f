import { useId, useState } from 'react';
import { api, ApiError } from '../api';
import { writableTeams, type Whoami } from '../token-model';
import { useAction } from '../use-action';
import { EVENT_GROUPS, type WebhookView, type WebhookWithSecret } from '../webhook-model';
import { ErrorMessage } from './feedback';

/** What POST and PATCH /v1/webhooks share. */
interface Fields {
  url: string;
  description: string;
  events: string[];
  expiringDays: string;
  creditsLowThreshold: string;
}

const fieldsOf = (w: WebhookView | undefined): Fields => ({
  url: w?.url ?? '',
  description: w?.description ?? '',
  events: w ? [...w.events] : [],
  expiringDays: String(w?.expiringDays ?? 7),
  creditsLowThreshold: w?.creditsLowThreshold ?? '',
});

/** What the page can judge before asking; the server judges the URL (SSRF) and the rest anyway. */
function problemsOf(f: Fields): string[] {
  const problems: string[] = [];
  if (!/^https?:\/\/\S+$/i.test(f.url.trim())) problems.push('The URL must start with http:// or https://.');
  if (f.events.length === 0) problems.push('Choose at least one event.');
  const days = Number(f.expiringDays);
  if (!Number.isInteger(days) || days < 1 || days > 365) problems.push('Warn of expiry between 1 and 365 days before.');
  if (f.creditsLowThreshold.trim() !== '' && !/^\d+(\.\d+)?$/.test(f.creditsLowThreshold.trim()))
    problems.push('The low-credits threshold is a number of credits, e.g. 10, or empty for never.');
  return problems;
}

const bodyOf = (f: Fields) => ({
  url: f.url.trim(),
  description: f.description.trim(),
  events: f.events,
  expiringDays: Number(f.expiringDays),
  creditsLowThreshold: f.creditsLowThreshold.trim() === '' ? null : f.creditsLowThreshold.trim(),
});

const explain = (failure: Error) =>
  failure instanceof ApiError && failure.code === 'VALIDATION_ERROR' && failure.message.includes('TESSERA_WEBHOOK_ALLOW_PRIVATE')
    ? new Error(
        'tessera will not call an address inside its own network (private, loopback, link-local or a local name). Use a public address, or ask the operator to set TESSERA_WEBHOOK_ALLOW_PRIVATE=1.',
      )
    : failure;

/**
 * The webhook form: create (with whose objects it hears of, `me`'s writable teams, and for an admin
 * the installation) or edit (`webhook` given). The new secret of a create goes to `onCreated`.
 */
export function WebhookForm({
  me,
  webhook,
  onCreated,
  onSaved,
  onCancel,
}: {
  me: Whoami | undefined;
  webhook?: WebhookView;
  onCreated?(created: WebhookWithSecret): void;
  onSaved?(saved: WebhookView): void;
  onCancel(): void;
}) {
  const id = useId();
  const field = (name: string) => `${id}-${name}`;
  const [fields, setFields] = useState<Fields>(() => fieldsOf(webhook));
  const [owner, setOwner] = useState('');
  const set = (next: Partial<Fields>) => setFields((previous) => ({ ...previous, ...next }));
  const toggle = (type: string, on: boolean) => set({ events: on ? [...fields.events, type] : fields.events.filter((t) => t !== type) });
  const { busy, error, submit } = useAction(async () => {
    const problems = problemsOf(fields);
    if (problems.length) throw new Error(problems.join(' '));
    if (webhook) {
      onSaved?.(await api<WebhookView>('PATCH', `/v1/webhooks/${encodeURIComponent(webhook.id)}`, bodyOf(fields)));
      return;
    }
    const whose = owner === 'installation' ? { installation: true } : owner ? { teamId: owner } : {};
    onCreated?.(await api<WebhookWithSecret>('POST', '/v1/webhooks', { ...bodyOf(fields), ...whose }));
  }, explain);

  return (
    <form className="create-token" onSubmit={submit} aria-labelledby={field('title')} noValidate>
      <h2 id={field('title')}>{webhook ? 'Edit the webhook' : 'Create a webhook'}</h2>
      <div className="form-grid">
        <div>
          <label htmlFor={field('url')}>URL</label>
          <input
            id={field('url')}
            type="url"
            value={fields.url}
            placeholder="https://ops.example.com/tessera"
            spellCheck={false}
            required
            onChange={(e) => set({ url: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor={field('description')}>Description</label>
          <input id={field('description')} value={fields.description} maxLength={500} onChange={(e) => set({ description: e.target.value })} />
        </div>
        {webhook ? null : (
          <div>
            <label htmlFor={field('owner')}>Hears of</label>
            <select id={field('owner')} value={owner} onChange={(e) => setOwner(e.target.value)}>
              <option value="">Yours: your tokens outside any team</option>
              {writableTeams(me).map((m) => (
                <option key={m.team.id} value={m.team.id}>
                  Team {m.team.name || m.team.slug}
                </option>
              ))}
              {me?.user.role === 'admin' ? <option value="installation">The whole installation</option> : null}
            </select>
          </div>
        )}
        <div>
          <label htmlFor={field('expiring')}>Warn of expiry (days before)</label>
          <input id={field('expiring')} inputMode="numeric" value={fields.expiringDays} onChange={(e) => set({ expiringDays: e.target.value })} />
        </div>
        <div>
          <label htmlFor={field('low')}>Low credits at (empty: never)</label>
          <input id={field('low')} inputMode="decimal" value={fields.creditsLowThreshold} onChange={(e) => set({ creditsLowThreshold: e.target.value })} />
        </div>
      </div>
      <fieldset>
        <legend>Events</legend>
        <div className="event-groups">
          {EVENT_GROUPS.map((group) => (
            <fieldset key={group.name} className="event-group">
              <legend>{group.name}</legend>
              {group.events.map(({ type, words }) => (
                <div className="check" key={type}>
                  <input id={field(type)} type="checkbox" checked={fields.events.includes(type)} onChange={(e) => toggle(type, e.target.checked)} />
                  <label htmlFor={field(type)}>
                    <code>{type}</code> {words}
                  </label>
                </div>
              ))}
            </fieldset>
          ))}
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : webhook ? 'Save changes' : 'Create webhook'}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}
