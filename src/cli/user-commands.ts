import type { Command } from 'commander';
import { USER_ROLES } from '../core/account.js';
import { apiRequest } from './api-client.js';
import { clientCommand, connection, listItems, oneOf, parseInteger, print, printListing, seg, type ClientFlags } from './client-kit.js';
import { findUser, userIdOf, type UserView } from './find-user.js';
import { formatTable, formatTime } from './table.js';

interface Offboarded {
  user: UserView;
  tokens: number;
}

const status = (u: UserView) => (u.disabledAt === null ? 'active' : 'disabled');

function describeUser(u: UserView): string {
  return formatTable(
    ['field', 'value'],
    [
      ['id', u.id],
      ['number', String(u.numId)],
      ['name', u.name],
      ['email', u.email ?? '-'],
      ['role', u.role],
      ['status', status(u)],
      ['created', formatTime(u.createdAt)],
      ['disabled', formatTime(u.disabledAt)],
    ],
  );
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('list, create, show, disable, enable and delete users (admins)');

  clientCommand(user.command('list'))
    .description('list users')
    .option('--limit <n>', 'users per page (1-200)', '50')
    .option('--every-page', 'follow every page')
    .action(async (flags: ClientFlags & { limit: string; everyPage?: boolean }) => {
      const params = new URLSearchParams({ limit: String(parseInteger(flags.limit, '--limit', 1, 200)) });
      const listing = await listItems<UserView>(connection(flags), '/v1/users', params, flags.everyPage === true);
      const { items } = listing;
      printListing(flags, listing, () =>
        formatTable(
          ['ID', 'NAME', 'EMAIL', 'ROLE', 'STATUS', 'CREATED'],
          items.map((u) => [u.id, u.name, u.email ?? '-', u.role, status(u), formatTime(u.createdAt)]),
        ),
      );
    });

  clientCommand(user.command('create').argument('<name>', 'a unique name (case does not make it another)'))
    .description('create a user; give them a personal token with `token create --type personal --owner <id>`')
    .option('--email <email>', 'their email')
    .option('--role <role>', `one of ${USER_ROLES.join(', ')} (default member)`)
    .action(async (name: string, flags: ClientFlags & { email?: string; role?: string }) => {
      const body = { name, email: flags.email, role: flags.role === undefined ? undefined : oneOf(flags.role, '--role', USER_ROLES) };
      const res = await apiRequest<{ user: UserView }>(connection(flags), 'POST', '/v1/users', body);
      print(flags, res, () => `Created user ${res.user.id} "${res.user.name}" (${res.user.role}).`);
    });

  clientCommand(user.command('show').argument('<user>', 'user id or name'))
    .description('show one user')
    .action(async (ref: string, flags: ClientFlags) => {
      const found = await findUser(connection(flags), ref);
      print(flags, { user: found }, () => describeUser(found));
    });

  const offboard = (verb: string, method: string, suffix: string, done: (r: Offboarded) => string) =>
    clientCommand(user.command(verb).argument('<user>', 'user id or name')).action(async (ref: string, flags: ClientFlags) => {
      const api = connection(flags);
      const id = await userIdOf(api, ref);
      const res = await apiRequest<Offboarded>(api, method, `/v1/users/${seg(id)}${suffix}`);
      print(flags, res, () => done(res));
    });

  offboard('disable', 'POST', '/disable', (r) => `Disabled ${r.user.id} "${r.user.name}": ${r.tokens} token(s) now answer DISABLED.`).description(
    'disable a user: all their tokens answer DISABLED until enabled',
  );
  offboard('enable', 'POST', '/enable', (r) => `Enabled ${r.user.id} "${r.user.name}": ${r.tokens} token(s) verify again.`).description(
    'enable a user again (tokens suspended one by one stay suspended)',
  );
  offboard('delete', 'DELETE', '', (r) => `Deleted ${r.user.id} "${r.user.name}": ${r.tokens} token(s) revoked, memberships removed.`).description(
    'delete a user: their tokens are revoked for good',
  );

  clientCommand(program.command('whoami'))
    .description('the user, token and teams behind your token')
    .action(async (flags: ClientFlags) => {
      const res = await apiRequest<{ user: UserView; teams: Array<{ team: { slug: string }; role: string }> }>(connection(flags), 'GET', '/v1/whoami');
      print(
        flags,
        res,
        () =>
          `${res.user.name} (${res.user.id}, ${res.user.role})` +
          (res.teams.length ? `\nteams: ${res.teams.map((t) => `${t.team.slug} (${t.role})`).join(', ')}` : ''),
      );
    });
}
