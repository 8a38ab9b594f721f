import type { Command } from 'commander';
import { TEAM_ROLES } from '../core/account.js';
import { apiRequest } from './api-client.js';
import { clientCommand, connection, listItems, oneOf, parseInteger, print, printListing, seg, type ClientFlags } from './client-kit.js';
import { userIdOf } from './find-user.js';
import { formatTable, formatTime } from './table.js';

interface TeamView {
  id: string;
  slug: string;
  name: string;
  createdAt: number;
}

interface TeamResponse {
  team: TeamView;
  members: Array<{ userId: string; name: string | null; role: string; createdAt: number }>;
}

interface Membership {
  membership: { teamId: string; userId: string; role: string; createdAt: number };
}

function describeTeam(res: TeamResponse): string {
  const { team, members } = res;
  return (
    `${team.slug} (${team.id}) "${team.name}", created ${formatTime(team.createdAt)}\n\n` +
    formatTable(
      ['MEMBER', 'NAME', 'ROLE', 'SINCE'],
      members.map((m) => [m.userId, m.name ?? '-', m.role, formatTime(m.createdAt)]),
    )
  );
}

const memberPath = (team: string, user?: string) => `/v1/teams/${seg(team)}/members${user === undefined ? '' : `/${seg(user)}`}`;

export function registerTeamCommands(program: Command): void {
  const team = program.command('team').description('list, create and show teams; add, change and remove members');

  clientCommand(team.command('list'))
    .description('list your teams (admins: all)')
    .option('--limit <n>', 'teams per page (1-200)', '50')
    .option('--every-page', 'follow every page')
    .action(async (flags: ClientFlags & { limit: string; everyPage?: boolean }) => {
      const params = new URLSearchParams({ limit: String(parseInteger(flags.limit, '--limit', 1, 200)) });
      const listing = await listItems<TeamView>(connection(flags), '/v1/teams', params, flags.everyPage === true);
      const { items } = listing;
      printListing(flags, listing, () =>
        items.length === 0
          ? 'no teams'
          : formatTable(
              ['ID', 'SLUG', 'NAME', 'CREATED'],
              items.map((t) => [t.id, t.slug, t.name, formatTime(t.createdAt)]),
            ),
      );
    });

  clientCommand(team.command('create').argument('<slug>', 'lower-case letters, digits and dashes'))
    .description('create a team; you become its owner')
    .option('--name <name>', 'a display name (default: the slug)')
    .action(async (slug: string, flags: ClientFlags & { name?: string }) => {
      const res = await apiRequest<TeamResponse>(connection(flags), 'POST', '/v1/teams', { slug, name: flags.name });
      print(flags, res, () => `Created team ${res.team.slug} (${res.team.id}); you are its owner.`);
    });

  clientCommand(team.command('show').argument('<team>', 'team id or slug'))
    .description('show a team and its members')
    .action(async (ref: string, flags: ClientFlags) => {
      const res = await apiRequest<TeamResponse>(connection(flags), 'GET', `/v1/teams/${seg(ref)}`);
      print(flags, res, () => describeTeam(res));
    });

  const member = team.command('member').description("a team's members (team owners and admins)");

  clientCommand(member.command('add').argument('<team>', 'team id or slug').argument('<user>', 'the user to add: usr_… id or name'))
    .description('add a user to a team')
    .option('--role <role>', `one of ${TEAM_ROLES.join(', ')} (default member)`)
    .action(async (ref: string, user: string, flags: ClientFlags & { role?: string }) => {
      const role = flags.role === undefined ? undefined : oneOf(flags.role, '--role', TEAM_ROLES);
      const api = connection(flags);
      const res = await apiRequest<Membership>(api, 'POST', memberPath(ref), { userId: await userIdOf(api, user), role });
      print(flags, res, () => `Added ${res.membership.userId} to ${ref} as ${res.membership.role}.`);
    });

  clientCommand(
    member
      .command('set-role')
      .argument('<team>', 'team id or slug')
      .argument('<user>', 'the member: usr_… id or name')
      .argument('<role>', `one of ${TEAM_ROLES.join(', ')}`),
  )
    .description("change a member's role (a team keeps at least one owner)")
    .action(async (ref: string, user: string, role: string, flags: ClientFlags) => {
      const body = { role: oneOf(role, 'role', TEAM_ROLES) };
      const api = connection(flags);
      const res = await apiRequest<Membership>(api, 'PATCH', memberPath(ref, await userIdOf(api, user)), body);
      print(flags, res, () => `${res.membership.userId} is now ${res.membership.role} of ${ref}.`);
    });

  clientCommand(member.command('remove').argument('<team>', 'team id or slug').argument('<user>', 'the member: usr_… id or name'))
    .description("remove a member: they lose the team's rights at once")
    .action(async (ref: string, user: string, flags: ClientFlags) => {
      const api = connection(flags);
      const userId = await userIdOf(api, user);
      await apiRequest(api, 'DELETE', memberPath(ref, userId));
      print(flags, { removed: { team: ref, userId } }, () => `Removed ${userId} from ${ref}.`);
    });
}
