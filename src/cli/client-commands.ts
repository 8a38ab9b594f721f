import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { generateSecret } from '../core/secret.js';
import { TOKEN_PREFIX, TOKEN_TYPES, type TokenType } from '../core/token.js';
import { apiRequest, type ApiClientOptions } from './api-client.js';
import { formatTable, formatTime, parseDuration, parseInstant } from './table.js';

interface ClientFlags {
  url?: string;
  token?: string;
  json?: boolean;
}

interface TokenView {
  id: string;
  name: string;
  type: string;
  status: string;
  suffix: string;
  scopes: string[];
  teamId: string | null;
  expiresAt: number | null;
  activeAt: number | null;
  useCount: number;
  createdAt: number;
  revokedAt: number | null;
}

interface Issued {
  token: TokenView;
  secret: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** --url, --token and --json on every command that talks to a server. */
function client(command: Command): Command {
  return command
    .option('--url <url>', 'tessera server (env TESSERA_URL, default http://127.0.0.1:8420)')
    .option('--token <token>', 'a personal token (env TESSERA_TOKEN)')
    .option('--json', 'print the JSON response');
}

function connection(flags: ClientFlags, needsToken = true): ApiClientOptions {
  const token = flags.token ?? process.env.TESSERA_TOKEN;
  if (needsToken && !token) {
    throw new Error('no token: set TESSERA_TOKEN (or pass --token) to a personal token, e.g. the one printed at first start');
  }
  return { url: flags.url ?? process.env.TESSERA_URL ?? 'http://127.0.0.1:8420', token };
}

function print(flags: ClientFlags, json: unknown, human: () => string): void {
  console.log(flags.json ? JSON.stringify(json, null, 2) : human());
}

function describeToken(t: TokenView): string {
  return formatTable(
    ['field', 'value'],
    [
      ['id', t.id],
      ['name', t.name],
      ['type', t.type],
      ['status', t.status],
      ['secret', `…${t.suffix}`],
      ['scopes', t.scopes.join(' ') || '-'],
      ['team', t.teamId ?? '-'],
      ['expires', formatTime(t.expiresAt)],
      ['last used', formatTime(t.activeAt)],
      ['uses', String(t.useCount)],
      ['created', formatTime(t.createdAt)],
      ['revoked', formatTime(t.revokedAt)],
    ],
  );
}

function describeIssued(issued: Issued, verb: string): string {
  return (
    `${verb} token ${issued.token.id} "${issued.token.name}" (${issued.token.type}).\n` +
    `Its secret is shown this once; tessera keeps only a digest:\n\n    ${issued.secret}\n`
  );
}

function teamQuery(team: string | undefined): string {
  if (!team) return '';
  return team.startsWith('team_') ? `teamId=${encodeURIComponent(team)}` : `slug=${encodeURIComponent(team)}`;
}

export function registerClientCommands(program: Command): void {
  const token = program.command('token').description('create, list, show, rename, rotate, revoke, delete and verify tokens');

  client(token.command('create'))
    .description('create a token and print its secret (shown once)')
    .requiredOption('--name <name>', 'a name people recognise')
    .option('--type <type>', `one of ${TOKEN_TYPES.join(', ')} (default api)`)
    .option('--scope <scope>', 'a scope the token grants (repeatable)', collect)
    .option('--expires-in <duration>', 'lifetime such as 30d, 12h, 15m')
    .option('--expires-at <time>', 'expiry as an ISO date or milliseconds')
    .option('--team <team>', 'team id or slug to create it for')
    .option('--environment <environment>', 'environment the token is limited to')
    .option('--project <project>', 'project the token is limited to (repeatable)', collect)
    .option('--ip <cidr>', 'allowed client range (repeatable)', collect)
    .option('--metadata <json>', 'a JSON object stored with the token')
    .action(async (flags) => {
      const expiresAt = flags.expiresIn ? Date.now() + parseDuration(flags.expiresIn) : flags.expiresAt ? parseInstant(flags.expiresAt) : undefined;
      let metadata: unknown;
      if (flags.metadata !== undefined) {
        try {
          metadata = JSON.parse(flags.metadata);
        } catch {
          throw new Error('--metadata must be a JSON object');
        }
      }
      const body = {
        name: flags.name,
        type: flags.type,
        scopes: flags.scope,
        expiresAt,
        environment: flags.environment,
        projects: flags.project,
        ipAllowlist: flags.ip,
        metadata,
      };
      const query = teamQuery(flags.team);
      const issued = await apiRequest<Issued>(connection(flags), 'POST', `/v1/tokens${query ? `?${query}` : ''}`, body);
      print(flags, issued, () => describeIssued(issued, 'Created'));
    });

  client(token.command('list'))
    .description('list your tokens, or a team’s')
    .option('--team <team>', 'team id or slug')
    .option('--type <type>', 'only this type')
    .option('--status <status>', 'active, revoked or expired')
    .option('--limit <n>', 'tokens per page (1-200)', '50')
    .option('--all', 'follow every page')
    .action(async (flags) => {
      const api = connection(flags);
      const params = new URLSearchParams({ limit: flags.limit });
      if (flags.type) params.set('type', flags.type);
      if (flags.status) params.set('status', flags.status);
      const team = teamQuery(flags.team);
      const items: TokenView[] = [];
      let cursor: string | null = null;
      do {
        if (cursor) params.set('cursor', cursor);
        const page: { items: TokenView[]; nextCursor: string | null } = await apiRequest(api, 'GET', `/v1/tokens?${params}${team ? `&${team}` : ''}`);
        items.push(...page.items);
        cursor = flags.all ? page.nextCursor : null;
      } while (cursor);
      print(flags, items, () =>
        items.length === 0
          ? 'no tokens'
          : formatTable(
              ['ID', 'NAME', 'TYPE', 'STATUS', 'SECRET', 'EXPIRES', 'LAST USED', 'CREATED'],
              items.map((t) => [t.id, t.name, t.type, t.status, `…${t.suffix}`, formatTime(t.expiresAt), formatTime(t.activeAt), formatTime(t.createdAt)]),
            ),
      );
    });

  client(token.command('show').argument('<id>', 'token id'))
    .description('show one token')
    .action(async (id: string, flags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'GET', `/v1/tokens/${encodeURIComponent(id)}`);
      print(flags, res, () => describeToken(res.token));
    });

  client(token.command('rename').argument('<id>', 'token id').argument('<name>', 'the new name'))
    .description('rename a token')
    .action(async (id: string, name: string, flags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', `/v1/tokens/${encodeURIComponent(id)}`, { name });
      print(flags, res, () => `Renamed ${res.token.id} to "${res.token.name}".`);
    });

  client(token.command('revoke').argument('<id>', 'token id'))
    .description('revoke a token at once')
    .action(async (id: string, flags) => {
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'POST', `/v1/tokens/${encodeURIComponent(id)}/revoke`);
      print(flags, res, () => `Revoked ${res.token.id} "${res.token.name}".`);
    });

  client(token.command('rotate').argument('<id>', 'token id'))
    .description('issue a new secret; the old one keeps working for the grace period')
    .option('--grace <duration>', 'how long the old secret keeps working, e.g. 1h (default 0)')
    .action(async (id: string, flags) => {
      const body = flags.grace ? { gracePeriodMs: parseDuration(flags.grace) } : {};
      const issued = await apiRequest<Issued>(connection(flags), 'POST', `/v1/tokens/${encodeURIComponent(id)}/rotate`, body);
      print(flags, issued, () => describeIssued(issued, 'Rotated into'));
    });

  client(token.command('delete').argument('<id>', 'token id'))
    .description('delete a token')
    .action(async (id: string, flags) => {
      await apiRequest(connection(flags), 'DELETE', `/v1/tokens/${encodeURIComponent(id)}`);
      print(flags, { deleted: id }, () => `Deleted ${id}.`);
    });

  client(token.command('verify').argument('<secret>', 'the token to check'))
    .description('check a token; exits 0 when valid, 1 when not')
    .option('--scope <scope>', 'a scope it must grant (repeatable)', collect)
    .option('--environment <environment>', 'environment it must be good for')
    .option('--project <project>', 'project it must be good for')
    .action(async (secret: string, flags) => {
      const body = { token: secret, scopes: flags.scope, environment: flags.environment, project: flags.project };
      const res = await apiRequest<{ valid: boolean; code: string; token?: TokenView }>(connection(flags, false), 'POST', '/v1/verify', body);
      print(flags, res, () => (res.token ? `${res.code}: ${res.token.id} "${res.token.name}"` : res.code));
      if (!res.valid) process.exitCode = 1;
    });

  token
    .command('generate')
    .description('print a new secret in tessera format, made locally (for TESSERA_BOOTSTRAP_TOKEN)')
    .option('--type <type>', `one of ${TOKEN_TYPES.join(', ')}`, 'personal')
    .action((flags: { type: string }) => {
      if (!(TOKEN_TYPES as readonly string[]).includes(flags.type)) throw new Error(`--type must be one of ${TOKEN_TYPES.join(', ')}`);
      console.log(generateSecret(TOKEN_PREFIX[flags.type as TokenType], randomBytes));
    });

  client(program.command('whoami'))
    .description('the user, token and teams behind your token')
    .action(async (flags) => {
      const res = await apiRequest<{ user: { id: string; name: string; role: string }; teams: Array<{ team: { slug: string }; role: string }> }>(
        connection(flags),
        'GET',
        '/v1/whoami',
      );
      print(
        flags,
        res,
        () =>
          `${res.user.name} (${res.user.id}, ${res.user.role})` +
          (res.teams.length ? `\nteams: ${res.teams.map((t) => `${t.team.slug} (${t.role})`).join(', ')}` : ''),
      );
    });

  client(program.command('audit'))
    .description('the audit log, newest first')
    .option('--team <team>', 'team id or slug')
    .option('--target <id>', 'only events about this object')
    .option('--limit <n>', 'events to show (1-200)', '50')
    .action(async (flags) => {
      const params = new URLSearchParams({ limit: flags.limit });
      if (flags.target) params.set('targetId', flags.target);
      const team = teamQuery(flags.team);
      const page = await apiRequest<{ items: Array<{ at: number; action: string; actorUserId: string | null; targetId: string; ip: string | null }> }>(
        connection(flags),
        'GET',
        `/v1/audit?${params}${team ? `&${team}` : ''}`,
      );
      print(flags, page, () =>
        formatTable(
          ['AT', 'ACTION', 'ACTOR', 'TARGET', 'IP'],
          page.items.map((e) => [formatTime(e.at), e.action, e.actorUserId ?? '-', e.targetId, e.ip ?? '-']),
        ),
      );
    });
}
