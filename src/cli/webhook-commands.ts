import type { Command } from 'commander';
import { EVENT_TYPES } from '../core/events.js';
import { apiRequest } from './api-client.js';
import {
  clientCommand,
  collect,
  connection,
  listCell,
  listItems,
  printListing,
  oneOf,
  parseInteger,
  print,
  seg,
  teamQuery,
  withQuery,
  type ClientFlags,
} from './client-kit.js';
import { formatTable, formatTime } from './table.js';

interface WebhookView {
  id: string;
  url: string;
  description: string;
  events: string[];
  scope: string;
  teamId: string | null;
  ownerUserId: string;
  status: string;
  expiringDays: number;
  creditsLowThreshold: string | null;
  consecutiveFailures: number;
  failingSince: number | null;
  secretVersion: number;
  createdAt: number;
  updatedAt: number;
}

interface WithSecret {
  webhook: WebhookView;
  secret: string;
}

interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  subject: string;
  status: string;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

interface WebhookFlags extends ClientFlags {
  url?: string;
  endpoint?: string;
  event?: string[];
  description?: string;
  expiringDays?: string;
  creditsLow?: string;
  noCreditsLow?: boolean;
}

function describeWebhook(w: WebhookView): string {
  return formatTable(
    ['field', 'value'],
    [
      ['id', w.id],
      ['url', w.url],
      ['description', w.description || '-'],
      ['events', listCell(w.events)],
      ['scope', w.teamId ? `${w.scope} ${w.teamId}` : w.scope],
      ['owner', w.ownerUserId],
      ['status', w.status],
      ['expiring days', String(w.expiringDays)],
      ['credits low at', w.creditsLowThreshold ?? '-'],
      ['failures in a row', String(w.consecutiveFailures)],
      ['failing since', formatTime(w.failingSince)],
      ['secret version', String(w.secretVersion)],
      ['created', formatTime(w.createdAt)],
      ['updated', formatTime(w.updatedAt)],
    ],
  );
}

const describeSecret = (res: WithSecret, verb: string) =>
  `${verb} webhook ${res.webhook.id} → ${res.webhook.url}.\n` +
  `Its signing secret is shown this once; verify deliveries with it (Standard Webhooks):\n\n    ${res.secret}\n`;

const events = (given: string[]) => given.map((e) => oneOf(e, '--event', EVENT_TYPES));

/** The fields `webhook create` and `webhook update` share. */
function webhookFields(flags: WebhookFlags): Record<string, unknown> {
  if (flags.creditsLow !== undefined && flags.noCreditsLow) throw new Error('give one of --credits-low and --no-credits-low');
  return {
    ...(flags.endpoint !== undefined ? { url: flags.endpoint } : {}),
    ...(flags.event !== undefined ? { events: events(flags.event) } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
    ...(flags.expiringDays !== undefined ? { expiringDays: parseInteger(flags.expiringDays, '--expiring-days', 1, 365) } : {}),
    ...(flags.creditsLow !== undefined ? { creditsLowThreshold: flags.creditsLow } : flags.noCreditsLow ? { creditsLowThreshold: null } : {}),
  };
}

function fieldFlags(command: Command): Command {
  return command
    .option('--event <type>', `an event to deliver (repeatable): ${EVENT_TYPES.join(', ')}`, collect)
    .option('--description <text>', 'what it is for')
    .option('--expiring-days <n>', 'send token.expiring this many days ahead (default 7)')
    .option('--credits-low <amount>', "send credits.low when a token's balance falls to this");
}

/**
 * Refuses a `--url` that reads as the webhook's own URL, before anything is sent: `--url` names
 * the tessera server, and the request would carry the caller's token to it. A server URL is an
 * origin (the client resolves `/v1/…` against it, so a path or query there is never used).
 */
function refuseEndpointAsServer(flags: ClientFlags, endpoint: string | undefined, endpointFlag: string): void {
  if (flags.url === undefined) return;
  const parsed = URL.canParse(flags.url) ? new URL(flags.url) : undefined;
  const pathLike = parsed !== undefined && (parsed.pathname !== '/' || parsed.search !== '');
  if (pathLike || (endpoint !== undefined && flags.url === endpoint)) {
    throw new Error(`--url ${flags.url} is the tessera server to call, not the webhook's URL: did you mean ${endpointFlag}? (nothing was sent)`);
  }
}

const hookPath = (id: string, more = '') => `/v1/webhooks/${seg(id)}${more}`;

export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('signed event deliveries to your endpoints (Standard Webhooks)');

  clientCommand(webhook.command('list'))
    .description("your webhooks, a team's, or the installation's")
    .option('--team <team>', 'team id or slug')
    .option('--installation', "admins: the installation's webhooks")
    .option('--limit <n>', 'webhooks per page (1-200)', '50')
    .option('--every-page', 'follow every page')
    .action(async (flags: ClientFlags & { team?: string; installation?: boolean; limit: string; everyPage?: boolean }) => {
      const params = new URLSearchParams({ limit: String(parseInteger(flags.limit, '--limit', 1, 200)) });
      if (flags.installation) params.set('installation', 'true');
      const listing = await listItems<WebhookView>(connection(flags), '/v1/webhooks', params, flags.everyPage === true, teamQuery(flags.team));
      const { items } = listing;
      printListing(flags, listing, () =>
        items.length === 0
          ? 'no webhooks'
          : formatTable(
              ['ID', 'URL', 'STATUS', 'SCOPE', 'EVENTS', 'FAILURES', 'CREATED'],
              items.map((w) => [w.id, w.url, w.status, w.scope, listCell(w.events), String(w.consecutiveFailures), formatTime(w.createdAt)]),
            ),
      );
    });

  fieldFlags(clientCommand(webhook.command('create').argument('<endpoint>', 'the http(s) URL to deliver to')))
    .description('create a webhook and print its signing secret (shown once)')
    .option('--team <team>', "a team's webhook (team id or slug): hears of the team's objects")
    .option('--installation', 'admins: hears of everything in the installation')
    .action(async (endpoint: string, flags: WebhookFlags & { team?: string; installation?: boolean }) => {
      refuseEndpointAsServer(flags, endpoint, 'the <endpoint> argument');
      if (!flags.event?.length) throw new Error('give at least one --event');
      const body = { ...webhookFields({ ...flags, endpoint }), ...(flags.installation ? { installation: true } : {}) };
      const res = await apiRequest<WithSecret>(connection(flags), 'POST', withQuery('/v1/webhooks', teamQuery(flags.team)), body);
      print(flags, res, () => describeSecret(res, 'Created'));
    });

  clientCommand(webhook.command('show').argument('<id>', 'webhook id'))
    .description('show a webhook and its state')
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<WebhookView>(connection(flags), 'GET', hookPath(id));
      print(flags, res, () => describeWebhook(res));
    });

  fieldFlags(clientCommand(webhook.command('update').argument('<id>', 'webhook id')))
    .description('change a webhook: only what you give changes (--event replaces the list)')
    .option('--endpoint <url>', 'a new URL')
    .option('--no-credits-low', 'never send credits.low')
    .option('--enable', 'turn it on (resumes a paused webhook and sends its backlog)')
    .option('--disable', 'turn it off')
    .action(async (id: string, flags: Omit<WebhookFlags, 'creditsLow'> & { enable?: boolean; disable?: boolean; creditsLow?: string | false }) => {
      refuseEndpointAsServer(flags, flags.endpoint, '--endpoint');
      if (flags.enable && flags.disable) throw new Error('give one of --enable and --disable');
      // commander folds --credits-low and --no-credits-low into one value: false means "never".
      const low = flags.creditsLow === false ? { creditsLow: undefined, noCreditsLow: true } : { creditsLow: flags.creditsLow };
      const body = { ...webhookFields({ ...flags, ...low }), ...(flags.enable ? { enabled: true } : flags.disable ? { enabled: false } : {}) };
      if (Object.keys(body).length === 0) {
        throw new Error(`nothing to change: give at least one flag (see --help)${flags.url !== undefined ? '; did you mean --endpoint?' : ''}`);
      }
      const res = await apiRequest<WebhookView>(connection(flags), 'PATCH', hookPath(id), body);
      print(flags, res, () => `Updated ${res.id}.\n${describeWebhook(res)}`);
    });

  clientCommand(webhook.command('delete').argument('<id>', 'webhook id'))
    .description('delete a webhook and its deliveries')
    .action(async (id: string, flags: ClientFlags) => {
      await apiRequest(connection(flags), 'DELETE', hookPath(id));
      print(flags, { deleted: id }, () => `Deleted ${id}.`);
    });

  clientCommand(webhook.command('test').argument('<id>', 'webhook id'))
    .description('send a webhook.test event to it')
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<{ eventId: string }>(connection(flags), 'POST', hookPath(id, '/test'));
      print(flags, res, () => `Queued webhook.test event ${res.eventId}; see \`tessera webhook deliveries ${id}\`.`);
    });

  clientCommand(webhook.command('rotate-secret').argument('<id>', 'webhook id'))
    .description('a new signing secret (shown once); the old one also signs for 24 hours')
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<WithSecret>(connection(flags), 'POST', hookPath(id, '/rotate-secret'));
      print(flags, res, () => describeSecret(res, 'Rotated the secret of'));
    });

  clientCommand(webhook.command('deliveries').argument('<id>', 'webhook id'))
    .description("a webhook's deliveries, newest first")
    .option('--limit <n>', 'deliveries per page (1-200)', '50')
    .option('--every-page', 'follow every page')
    .action(async (id: string, flags: ClientFlags & { limit: string; everyPage?: boolean }) => {
      const params = new URLSearchParams({ limit: String(parseInteger(flags.limit, '--limit', 1, 200)) });
      const listing = await listItems<DeliveryView>(connection(flags), hookPath(id, '/deliveries'), params, flags.everyPage === true);
      const { items } = listing;
      printListing(flags, listing, () =>
        items.length === 0
          ? 'no deliveries'
          : formatTable(
              ['ID', 'EVENT', 'TYPE', 'STATUS', 'ATTEMPTS', 'LAST ANSWER', 'NEXT ATTEMPT', 'CREATED'],
              items.map((d) => [
                d.id,
                d.eventId,
                d.eventType,
                d.status,
                String(d.attempts),
                d.lastStatusCode !== null ? String(d.lastStatusCode) : (d.lastError ?? '-'),
                formatTime(d.nextAttemptAt),
                formatTime(d.createdAt),
              ]),
            ),
      );
    });

  clientCommand(webhook.command('redeliver').argument('<id>', 'webhook id').argument('<deliveryId>', 'the delivery to send again'))
    .description("send a delivery's event again (a new delivery, the same webhook-id)")
    .action(async (id: string, deliveryId: string, flags: ClientFlags) => {
      const res = await apiRequest<DeliveryView>(connection(flags), 'POST', hookPath(id, `/deliveries/${seg(deliveryId)}/redeliver`));
      print(flags, res, () => `Queued delivery ${res.id} of event ${res.eventId} (${res.eventType}).`);
    });
}
