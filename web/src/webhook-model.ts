/**
 * What the webhook pages read from the API (src/http/schemas/webhook-schemas.ts; docs/webhooks.md)
 * and how its states read for people.
 */
import { api, query } from './api';
import type { Page, Whoami } from './token-model';

export type WebhookStatus = 'active' | 'paused' | 'disabled';

export interface WebhookView {
  id: string;
  url: string;
  description: string;
  events: string[];
  scope: 'user' | 'team' | 'installation';
  teamId: string | null;
  ownerUserId: string;
  status: WebhookStatus;
  expiringDays: number;
  creditsLowThreshold: string | null;
  consecutiveFailures: number;
  failingSince: number | null;
  secretVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  subject: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** A new webhook or a rotated secret: the secret is in this answer only. */
export interface WebhookWithSecret {
  webhook: WebhookView;
  secret: string;
}

/** The event types (src/core/events.ts EVENT_TYPES), grouped as the create form shows them, each with what it means. */
export const EVENT_GROUPS: ReadonlyArray<{ name: string; events: ReadonlyArray<{ type: string; words: string }> }> = [
  {
    name: 'Tokens',
    events: [
      { type: 'token.created', words: 'issued' },
      { type: 'token.updated', words: 'changed' },
      { type: 'token.rotated', words: 'rotated' },
      { type: 'token.revoked', words: 'revoked' },
      { type: 'token.deleted', words: 'deleted' },
      { type: 'token.disabled', words: 'suspended' },
      { type: 'token.enabled', words: 'resumed' },
      { type: 'token.leaked', words: 'reported leaked' },
      { type: 'token.expiring', words: 'about to expire' },
      { type: 'token.inactive', words: 'unused, to be revoked by policy' },
    ],
  },
  {
    name: 'Credits',
    events: [
      { type: 'credits.low', words: 'balance at or below the threshold' },
      { type: 'credits.exhausted', words: 'balance at 0' },
    ],
  },
  {
    name: 'Users',
    events: [
      { type: 'user.disabled', words: 'disabled' },
      { type: 'user.enabled', words: 'enabled' },
    ],
  },
  {
    name: 'Webhooks',
    events: [
      { type: 'webhook.paused', words: 'another webhook paused by tessera' },
      { type: 'webhook.test', words: 'a test sent from its page' },
    ],
  },
];

const base = (id: string) => `/v1/webhooks/${encodeURIComponent(id)}`;

export const getWebhook = (id: string) => api<WebhookView>('GET', base(id));
export const listDeliveries = (id: string, cursor: string | undefined, limit: number) =>
  api<Page<DeliveryView>>('GET', `${base(id)}/deliveries${query({ limit, cursor })}`);

/**
 * Every webhook the user may read, in one list: their own, each of their teams', and for an admin
 * the installation's. The API lists them apart (docs/webhooks.md), at most 200 a call.
 */
export async function listAllWebhooks(me: Whoami): Promise<WebhookView[]> {
  const all = async (params: Record<string, string | boolean>) => {
    const found: WebhookView[] = [];
    let cursor: string | undefined;
    do {
      const page = await api<Page<WebhookView>>('GET', `/v1/webhooks${query({ ...params, limit: 200, cursor })}`);
      found.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return found;
  };
  const lists = await Promise.all([
    all({}),
    ...me.teams.map((m) => all({ teamId: m.team.id })),
    ...(me.user.role === 'admin' ? [all({ installation: true })] : []),
  ]);
  const seen = new Set<string>();
  return lists
    .flat()
    .filter((w) => !seen.has(w.id) && seen.add(w.id))
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** Whose objects a webhook hears of, as the list says it. */
export function heardOf(webhook: WebhookView, me: Whoami | undefined): string {
  if (webhook.scope === 'installation') return 'installation';
  if (webhook.scope === 'user') return webhook.ownerUserId === me?.user.id ? 'yours' : `user ${webhook.ownerUserId}`;
  const team = me?.teams.find((m) => m.team.id === webhook.teamId)?.team;
  return team ? team.name || team.slug : (webhook.teamId ?? '');
}

/** Whether the user may change the webhook, as the server judges it: admins any; a team's, its owners and members; one's own. */
export function mayManage(me: Whoami | undefined, webhook: WebhookView): boolean {
  if (!me) return false;
  if (me.user.role === 'admin') return true;
  if (webhook.scope === 'team') return me.teams.some((m) => m.team.id === webhook.teamId && m.role !== 'viewer');
  return webhook.scope === 'user' && webhook.ownerUserId === me.user.id;
}

/** The status as a word, and for a paused one why it is paused and what resumes it. */
export function statusWords(webhook: WebhookView): { word: string; why?: string } {
  if (webhook.status === 'active') return { word: 'active' };
  if (webhook.status === 'paused')
    return {
      word: 'paused',
      why: `tessera paused it after ${webhook.consecutiveFailures} failed attempts in a row; events still queue, and resuming sends them`,
    };
  return { word: 'paused', why: 'paused by hand: nothing is queued for it until it is resumed' };
}

export const DELIVERY_STATUS: Record<DeliveryView['status'], string> = {
  pending: 'pending',
  succeeded: 'delivered',
  failed: 'failed',
};
