import type { Command } from 'commander';
import { clientCommand, connection, listItems, parseInteger, printListing, teamQuery, type ClientFlags } from './client-kit.js';
import { userIdOf } from './find-user.js';
import { formatTable, formatTime, parseInstant } from './table.js';

interface AuditEvent {
  at: number;
  action: string;
  actorUserId: string | null;
  actorName: string | null;
  targetId: string;
  targetName: string | null;
  ip: string | null;
}

export function registerAuditCommands(program: Command): void {
  clientCommand(program.command('audit'))
    .description('the audit log, newest first')
    .option('--team <team>', 'team id or slug')
    .option('--target <id>', 'only events about this object')
    .option('--action <action>', 'only this action, e.g. token.revoke')
    .option('--actor <user>', 'only what this user did: usr_… id or name')
    .option('--from <time>', 'only events at or after this time (ISO date or ms)')
    .option('--to <time>', 'only events before this time (ISO date or ms)')
    .option('--limit <n>', 'events per page (1-200)', '50')
    .option('--every-page', 'follow every page')
    .action(
      async (
        flags: ClientFlags & {
          team?: string;
          target?: string;
          action?: string;
          actor?: string;
          from?: string;
          to?: string;
          limit: string;
          everyPage?: boolean;
        },
      ) => {
        const api = connection(flags);
        const params = new URLSearchParams({ limit: String(parseInteger(flags.limit, '--limit', 1, 200)) });
        if (flags.target) params.set('targetId', flags.target);
        if (flags.action) params.set('action', flags.action);
        if (flags.actor) params.set('actorUserId', await userIdOf(api, flags.actor));
        if (flags.from) params.set('from', String(parseInstant(flags.from)));
        if (flags.to) params.set('to', String(parseInstant(flags.to)));
        const listing = await listItems<AuditEvent>(api, '/v1/audit', params, flags.everyPage === true, teamQuery(flags.team));
        printListing(flags, listing, () =>
          formatTable(
            ['AT', 'ACTION', 'ACTOR', 'TARGET', 'IP'],
            listing.items.map((e) => [
              formatTime(e.at),
              e.action,
              e.actorName ?? e.actorUserId ?? '-',
              e.targetName ? `${e.targetId} "${e.targetName}"` : e.targetId,
              e.ip ?? '-',
            ]),
          ),
        );
      },
    );
}
