import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { generateSecret } from '../core/secret.js';
import { TOKEN_PREFIX, TOKEN_STATUSES, TOKEN_TYPES, type TokenType } from '../core/token.js';
import { apiRequest } from './api-client.js';
import {
  clientCommand,
  collect,
  connection,
  listItems,
  oneOf,
  parseInteger,
  print,
  printListing,
  seg,
  teamQuery,
  withQuery,
  type ClientFlags,
} from './client-kit.js';
import { userIdOf } from './find-user.js';
import { ownerNames } from './owner-names.js';
import { parseDuration } from './table.js';
import { createBody, updateBody, type TokenFlags } from './token-inputs.js';
import { describeIssued, describeToken, formatRateLimit, tokenTable, type Issued, type TokenView } from './token-views.js';

type Flags = ClientFlags & TokenFlags;

/** Flags of `token create` and `token update` that change what a token may do. */
function tokenFlags(command: Command): Command {
  return command
    .option('--scope <scope>', 'a scope the token grants (repeatable)', collect)
    .option('--expires-in <duration>', 'lifetime such as 30d, 12h, 15m')
    .option('--expires-at <time>', 'expiry as an ISO date or milliseconds')
    .option('--ip <cidr>', 'allowed client range (repeatable)', collect)
    .option('--metadata <json>', 'a JSON object stored with the token')
    .option('--credits-on', 'charge verifications to its balance')
    .option('--credits-off', 'stop charging (the balance is kept)')
    .option('--refill <amount/interval[/day]>', 'set the balance back each period, e.g. 100/monthly/1 or 50/daily')
    .option('--rate-limit <name=limit/duration>', 'a named limit such as requests=100/1m (repeatable, at most 10)', collect);
}

const tokenPath = (id: string, more = '') => `/v1/tokens/${seg(id)}${more}`;

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('create, list, show, change, rotate, suspend, revoke, delete and verify tokens');

  tokenFlags(clientCommand(token.command('create')))
    .description('create a token and print its secret (shown once)')
    .requiredOption('--name <name>', 'a name people recognise')
    .option('--type <type>', `one of ${TOKEN_TYPES.join(', ')} (default api)`)
    .option('--team <team>', 'team id or slug to create it for')
    .option('--owner <user>', 'admins: issue it for another user (usr_… id or name)')
    .option('--environment <environment>', 'environment the token is limited to')
    .option('--project <project>', 'project the token is limited to (repeatable)', collect)
    .option('--resource <kind:id>', 'the one resource it is for (resource tokens)')
    .option('--credits <amount>', 'a balance; verifications charge it (e.g. 100 or 2.5)')
    .option('--credit-pool', "draw from the owner's shared pool (the team's, else the user's)")
    .action(async (flags: Flags & { team?: string }) => {
      const body = createBody(flags);
      const api = connection(flags);
      if (flags.owner !== undefined) body.ownerUserId = await userIdOf(api, flags.owner);
      const issued = await apiRequest<Issued>(api, 'POST', withQuery('/v1/tokens', teamQuery(flags.team)), body);
      print(flags, issued, () => describeIssued(issued, 'Created'));
    });

  clientCommand(token.command('list'))
    .description('list your tokens, a team’s, a user’s, or (admins) all of them')
    .option('--team <team>', 'team id or slug')
    .option('--owner <user>', 'only this user’s tokens, by usr_… id or name (admins: in every team)')
    .option('--all', 'admins: every token of the installation')
    .option('--q <prefix>', 'only names starting with this')
    .option('--type <type>', 'only this type')
    .option('--status <status>', `one of ${TOKEN_STATUSES.join(', ')}`)
    .option('--limit <n>', 'tokens per page (1-200)', '50')
    .option('--every-page', 'follow every page')
    .action(
      async (
        flags: ClientFlags & { team?: string; owner?: string; all?: boolean; q?: string; type?: string; status?: string; limit: string; everyPage?: boolean },
      ) => {
        const api = connection(flags);
        const params = new URLSearchParams({ limit: String(parseInteger(flags.limit, '--limit', 1, 200)) });
        if (flags.type) params.set('type', oneOf(flags.type, '--type', TOKEN_TYPES));
        if (flags.status) params.set('status', oneOf(flags.status, '--status', TOKEN_STATUSES));
        if (flags.owner) params.set('ownerUserId', await userIdOf(api, flags.owner));
        if (flags.q) params.set('q', flags.q);
        if (flags.all) params.set('all', 'true');
        const listing = await listItems<TokenView>(api, '/v1/tokens', params, flags.everyPage === true, teamQuery(flags.team));
        const { items } = listing;
        if (flags.json || items.length === 0) return printListing(flags, listing, () => 'no tokens');
        const names = await ownerNames(api, [...new Set(items.map((t) => t.ownerUserId))], flags.team);
        printListing(flags, listing, () => tokenTable(items, names, Date.now()));
      },
    );

  clientCommand(token.command('show').argument('<id>', 'token id'))
    .description('show one token')
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'GET', tokenPath(id));
      print(flags, res, () => describeToken(res.token, Date.now()));
    });

  tokenFlags(clientCommand(token.command('update').argument('<id>', 'token id')))
    .description('change a token: only what you give changes (--scope, --ip, --rate-limit replace the whole list)')
    .option('--name <name>', 'a new name')
    .option('--never-expires', 'remove its expiry')
    .option('--clear-refill', 'stop refilling')
    .option('--clear-rate-limits', 'remove every rate limit')
    .action(async (id: string, flags: Flags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', tokenPath(id), updateBody(flags));
      print(flags, res, () => `Updated ${res.token.id}.\n${describeToken(res.token, Date.now())}`);
    });

  clientCommand(token.command('rename').argument('<id>', 'token id').argument('<name>', 'the new name'))
    .description('rename a token')
    .action(async (id: string, name: string, flags: ClientFlags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', tokenPath(id), { name });
      print(flags, res, () => `Renamed ${res.token.id} to "${res.token.name}".`);
    });

  const limits = token.command('limits').description("a token's rate limits");
  clientCommand(limits.command('show').argument('<id>', 'token id'))
    .description("show a token's rate limits")
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'GET', tokenPath(id));
      print(flags, res.token.rateLimits, () => res.token.rateLimits.map(formatRateLimit).join('\n') || 'no rate limits');
    });
  clientCommand(limits.command('set').argument('<id>', 'token id').argument('<limit...>', 'name=limit/duration, e.g. requests=100/1m'))
    .description("replace a token's rate limits with these")
    .action(async (id: string, specs: string[], flags: Flags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', tokenPath(id), updateBody({ rateLimit: specs }));
      print(flags, res, () => `Rate limits of ${res.token.id}: ${res.token.rateLimits.map(formatRateLimit).join(', ')}`);
    });
  clientCommand(limits.command('clear').argument('<id>', 'token id'))
    .description("remove a token's rate limits")
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', tokenPath(id), { rateLimits: [] });
      print(flags, res, () => `Removed the rate limits of ${res.token.id}.`);
    });

  clientCommand(token.command('rotate').argument('<id>', 'token id'))
    .description('issue a new secret; the old one keeps working for the grace period')
    .option('--grace <duration>', 'how long the old secret keeps working, e.g. 1h (default 0)')
    .action(async (id: string, flags: ClientFlags & { grace?: string }) => {
      const body = flags.grace ? { gracePeriodMs: parseDuration(flags.grace) } : {};
      const issued = await apiRequest<Issued>(connection(flags), 'POST', tokenPath(id, '/rotate'), body);
      print(flags, issued, () => describeIssued(issued, 'Rotated into'));
    });

  clientCommand(token.command('revoke').argument('<id>', 'token id'))
    .description('revoke a token at once')
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'POST', tokenPath(id, '/revoke'));
      print(flags, res, () => `Revoked ${res.token.id} "${res.token.name}".`);
    });

  clientCommand(token.command('disable').argument('<id>', 'token id'))
    .description('suspend a token: it answers DISABLED until enabled')
    .option('--reason <text>', 'why, for the audit log')
    .action(async (id: string, flags: ClientFlags & { reason?: string }) => {
      const body = flags.reason === undefined ? {} : { reason: flags.reason };
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'POST', tokenPath(id, '/disable'), body);
      print(flags, res, () => `Suspended ${res.token.id} "${res.token.name}".`);
    });

  clientCommand(token.command('enable').argument('<id>', 'token id'))
    .description('resume a suspended token')
    .action(async (id: string, flags: ClientFlags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'POST', tokenPath(id, '/enable'));
      print(flags, res, () => `Resumed ${res.token.id} "${res.token.name}" (${res.token.status}).`);
    });

  clientCommand(token.command('delete').argument('<id>', 'token id'))
    .description('delete a token')
    .action(async (id: string, flags: ClientFlags) => {
      await apiRequest(connection(flags), 'DELETE', tokenPath(id));
      print(flags, { deleted: id }, () => `Deleted ${id}.`);
    });

  clientCommand(token.command('verify').argument('<secret>', 'the token to check'))
    .description('check a token; exits 0 when valid, 1 when not')
    .option('--scope <scope>', 'a scope it must grant (repeatable)', collect)
    .option('--environment <environment>', 'environment it must be good for')
    .option('--project <project>', 'project it must be good for')
    .option('--ip <address>', "the end client's address, checked against the token's IP allowlist")
    .option('--cost <amount>', 'credits to charge a metered token (default 1; 0 checks without charging)')
    .action(async (secret: string, flags: ClientFlags & { scope?: string[]; environment?: string; project?: string; ip?: string; cost?: string }) => {
      const body = { token: secret, scopes: flags.scope, environment: flags.environment, project: flags.project, ip: flags.ip, cost: flags.cost };
      const res = await apiRequest<{ valid: boolean; code: string; token?: TokenView; remaining?: string }>(
        connection(flags, false),
        'POST',
        '/v1/verify',
        body,
      );
      print(
        flags,
        res,
        () =>
          (res.token ? `${res.code}: ${res.token.id} "${res.token.name}"` : res.code) + (res.remaining !== undefined ? ` (${res.remaining} credits left)` : ''),
      );
      if (!res.valid) process.exitCode = 1;
    });

  token
    .command('generate')
    .description('print a new secret in tessera format, made locally (for TESSERA_BOOTSTRAP_TOKEN)')
    .option('--type <type>', `one of ${TOKEN_TYPES.join(', ')}`, 'personal')
    .option('--json', 'print {type, secret}')
    .action((flags: { type: string; json?: boolean }) => {
      const type: TokenType = oneOf(flags.type, '--type', TOKEN_TYPES);
      const secret = generateSecret(TOKEN_PREFIX[type], randomBytes);
      print(flags, { type, secret }, () => secret);
    });
}
