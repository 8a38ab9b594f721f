import { AppError } from '../core/errors.js';
import { EXPORT_FORMAT, EXPORT_VERSION, exportedToken, type ExportLine } from '../core/token-export.js';
import type { TeamRecord, UserRecord } from '../core/account.js';
import type { TokenRecord } from '../core/token.js';
import type { Stores } from '../store/stores.js';

const PAGE = 1000;

export interface ExportCounts {
  users: number;
  teams: number;
  memberships: number;
  tokens: number;
}

/** Every token of the store (or of one team), newest first, a page at a time. */
async function* tokensOf(stores: Stores, teamId: string | undefined, now: number): AsyncGenerator<TokenRecord> {
  let cursor: string | undefined;
  do {
    const page = await stores.tokens.list({ limit: PAGE, now, ...(teamId !== undefined ? { teamId } : {}), ...(cursor !== undefined ? { cursor } : {}) });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

async function* pages<T>(list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/**
 * `tessera export`: JSON Lines, streamed through `write` — a header, then the users, teams and
 * memberships the tokens need, then every token's record with its digest. Never a secret: the store
 * holds none. One team's export holds that team, its members and the owners of its tokens.
 */
export async function exportStore(
  stores: Stores,
  options: { team?: string; now: number; serverKeyFingerprint: string | null },
  write: (line: string) => Promise<void>,
): Promise<ExportCounts> {
  const counts: ExportCounts = { users: 0, teams: 0, memberships: 0, tokens: 0 };
  const emit = (line: ExportLine) => write(`${JSON.stringify(line)}\n`);
  let team: TeamRecord | undefined;
  if (options.team !== undefined) {
    team = await stores.accounts.findTeam(options.team.startsWith('team_') ? { id: options.team } : { slug: options.team });
    if (!team) throw new AppError('NOT_FOUND', `no team ${options.team}`);
  }
  await emit({
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date(options.now).toISOString(),
    serverKeyFingerprint: options.serverKeyFingerprint,
    teamId: team?.id ?? null,
  });
  const teams = team ? [team] : [];
  if (!team)
    for await (const each of pages((cursor) => stores.accounts.listTeams({ limit: PAGE, ...(cursor !== undefined ? { cursor } : {}) }))) teams.push(each);
  const memberships = (await Promise.all(teams.map((t) => stores.accounts.listMembers(t.id)))).flat();
  const emitUser = async (user: UserRecord) => {
    const { numId: _numId, ...rest } = user;
    await emit({ kind: 'user', user: rest });
    counts.users++;
  };
  if (team) {
    // The team's members and whoever owns one of its tokens (an admin may make a token for a team it is not in).
    const needed = new Set(memberships.map((m) => m.userId));
    for await (const token of tokensOf(stores, team.id, options.now)) needed.add(token.ownerUserId);
    for (const id of [...needed].sort()) {
      const user = await stores.accounts.findUser(id);
      if (user) await emitUser(user);
    }
  } else
    for await (const user of pages((cursor) => stores.accounts.listUsers({ limit: PAGE, ...(cursor !== undefined ? { cursor } : {}) }))) await emitUser(user);
  for (const each of teams) {
    await emit({ kind: 'team', team: each });
    counts.teams++;
  }
  for (const membership of memberships) {
    await emit({ kind: 'membership', membership });
    counts.memberships++;
  }
  for await (const token of tokensOf(stores, team?.id, options.now)) {
    await emit({ kind: 'token', token: exportedToken(token) });
    counts.tokens++;
  }
  return counts;
}
