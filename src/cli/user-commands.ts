import type { Command } from 'commander';
import { USER_ROLES } from '../core/account.js';
import { apiRequest } from './api-client.js';
import { clientCommand, connection, listItems, oneOf, parseInteger, print, printListing, seg, type ClientFlags, type Page } from './client-kit.js';
import { formatTable, formatTime } from './table.js';

interface UserView {
  id: string;
  numId: number;
  name: string;
  email: string | null;
  role: string;
  createdAt: number;
  disabledAt: number | null;
}

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

/** The API has no read of one user: the listing is searched, page by page, for an id or a name. */
async function findUser(flags: ClientFlags, ref: string): Promise<UserView> {
  const api = connection(flags);
  const folded = ref.toLowerCase();
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const page: Page<UserView> = await apiRequest(api, 'GET', `/v1/users?${params}`);
    const found = page.items.find((u) => u.id === ref || u.name.toLowerCase() === folded);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  throw new Error(`USER_NOT_FOUND: no user "${ref}" (give a usr_… id or a user name)`);
}

/** A user id, or a name looked up to its id. */
async function userId(flags: ClientFlags, ref: string): Promise<string> {
  return ref.startsWith('usr_') ? ref : (await findUser(flags, ref)).id;
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
      const found = await findUser(flags, ref);
      print(flags, { user: found }, () => describeUser(found));
    });

  const offboard = (verb: string, method: string, suffix: string, done: (r: Offboarded) => string) =>
    clientCommand(user.command(verb).argument('<user>', 'user id or name')).action(async (ref: string, flags: ClientFlags) => {
      const id = await userId(flags, ref);
      const res = await apiRequest<Offboarded>(connection(flags), method, `/v1/users/${seg(id)}${suffix}`);
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
