import type { Command } from 'commander';
import { ApiError, apiRequest, type ApiClientOptions } from './api-client.js';
import { clientCommand, connection, print, seg, type ClientFlags } from './client-kit.js';
import { findUserId } from './find-user.js';
import { formatTable, formatTime } from './table.js';
import { parseRefill } from './token-inputs.js';
import { describeCredits, formatRefill, type TokenView } from './token-views.js';

interface PoolView {
  ownerId: string;
  credits: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * A pooled token has no balance of its own and its `creditsActive` is not what charges it: every
 * verification charges the pool. So its rows show the pool's balance, read as `pool show` reads it
 * (`pool` undefined when there is none; null when this caller may not read it).
 */
function describeTokenCredits(t: TokenView, pool: PoolView | null | undefined): string {
  const pooled = t.creditPool !== null;
  const poolBalance =
    pool === undefined ? 'no pool yet: verifications answer USAGE_EXCEEDED' : pool === null ? 'not readable with this token' : `${pool.credits}`;
  return formatTable(
    ['field', 'value'],
    [
      ['token', `${t.id} "${t.name}"`],
      ['balance', pooled ? `${poolBalance} (pool of ${t.creditPool})` : describeCredits(t)],
      ['charged', pooled ? `yes, from the pool of ${t.creditPool}` : t.creditsActive ? 'yes' : 'no'],
      ['refill', formatRefill(t.refill)],
      ['last refill', formatTime(t.lastRefillAt)],
    ],
  );
}

/** The pool a pooled token draws on: undefined when the owner has none, null when the caller may not read it. */
async function tokenPool(api: ApiClientOptions, ownerId: string): Promise<PoolView | null | undefined> {
  try {
    return await apiRequest<PoolView>(api, 'GET', `/v1/credit-pools/${seg(ownerId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    if (error instanceof ApiError && error.status === 403) return null;
    throw error;
  }
}

const describePool = (p: PoolView) => `pool of ${p.ownerId}: ${p.credits} credits (updated ${formatTime(p.updatedAt)})`;

/**
 * A pool's owner: a `usr_…` or `team_…` id as given, else a team slug or a user name looked up to
 * its id. A word that is both would pick one pool for the caller, so it is refused before anything
 * is sent. The server answers 403 alike for a team that does not exist and one the caller is not in.
 */
async function poolOwner(api: ApiClientOptions, ref: string): Promise<string> {
  if (ref.startsWith('usr_') || ref.startsWith('team_')) return ref;
  let teamId: string | undefined;
  try {
    teamId = (await apiRequest<{ team: { id: string } }>(api, 'GET', `/v1/teams/${seg(ref)}`)).team.id;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403)) throw error;
  }
  const userId = await findUserId(api, ref);
  if (teamId && userId) throw new Error(`"${ref}" is both a team slug and a user name: give its team_… or usr_… id`);
  const owner = teamId ?? userId;
  if (!owner) throw new Error(`NOT_FOUND: no team or user named "${ref}" that you may read: give a team_… or usr_… id`);
  return owner;
}

export function registerCreditCommands(program: Command): void {
  const credits = program.command('credits').description("a token's balance: show, set, add, refill, charge on or off");

  clientCommand(credits.command('show').argument('<id>', 'token id'))
    .description("show a token's balance and refill")
    .action(async (id: string, flags: ClientFlags) => {
      const api = connection(flags);
      const res = await apiRequest<{ token: TokenView }>(api, 'GET', `/v1/tokens/${seg(id)}`);
      const t = res.token;
      const pool = t.creditPool === null ? null : await tokenPool(api, t.creditPool);
      const json = {
        tokenId: t.id,
        credits: t.credits,
        creditsActive: t.creditsActive,
        creditPool: t.creditPool,
        // What a pooled token's verifications draw on (null: not pooled, no pool, or not readable).
        poolCredits: pool?.credits ?? null,
        refill: t.refill,
        lastRefillAt: t.lastRefillAt,
      };
      print(flags, json, () => describeTokenCredits(t, pool));
    });

  const adjust = (op: 'set' | 'add', description: string) =>
    clientCommand(credits.command(op).argument('<id>', 'token id').argument('<amount>', 'a decimal amount, e.g. 100 or 2.5'))
      .description(description)
      .action(async (id: string, amount: string, flags: ClientFlags) => {
        const res = await apiRequest<{ credits: string; token: TokenView }>(connection(flags), 'POST', `/v1/tokens/${seg(id)}/credits`, { op, amount });
        print(flags, res, () => `Balance of ${res.token.id}: ${res.credits}${res.token.creditsActive ? '' : ' (not charged: credits are off)'}`);
      });
  adjust('set', "set a token's balance");
  adjust('add', "add to a token's balance (a negative amount takes away)");

  clientCommand(credits.command('refill').argument('<id>', 'token id').argument('[refill]', 'amount/daily or amount/monthly[/day], e.g. 100/monthly/1'))
    .description('set the balance back to an amount each day or month (00:00 UTC)')
    .option('--off', 'stop refilling')
    .action(async (id: string, spec: string | undefined, flags: ClientFlags & { off?: boolean }) => {
      if ((spec === undefined) === !flags.off) throw new Error('give a refill such as 100/monthly/1, or --off');
      const body = { refill: flags.off ? null : parseRefill(spec!) };
      const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', `/v1/tokens/${seg(id)}`, body);
      print(flags, res, () => `Refill of ${res.token.id}: ${formatRefill(res.token.refill)}`);
    });

  for (const [verb, on] of [
    ['on', true],
    ['off', false],
  ] as const) {
    clientCommand(credits.command(verb).argument('<id>', 'token id'))
      .description(on ? 'charge verifications to the balance' : 'stop charging verifications (the balance is kept)')
      .action(async (id: string, flags: ClientFlags) => {
        const res = await apiRequest<{ token: TokenView }>(connection(flags), 'PATCH', `/v1/tokens/${seg(id)}`, { creditsActive: on });
        print(flags, res, () => `Credits of ${res.token.id} are ${on ? 'charged' : 'not charged'}: ${describeCredits(res.token)}`);
      });
  }

  const pool = program.command('pool').description("a user's or team's shared credit pool, drawn on by its tokens made with --credit-pool");

  clientCommand(pool.command('show').argument('<owner>', 'usr_… or team_… id, team slug or user name'))
    .description('show a shared pool')
    .action(async (ref: string, flags: ClientFlags) => {
      const api = connection(flags);
      const res = await apiRequest<PoolView>(api, 'GET', `/v1/credit-pools/${seg(await poolOwner(api, ref))}`);
      print(flags, res, () => describePool(res));
    });

  for (const op of ['set', 'add'] as const) {
    clientCommand(pool.command(op).argument('<owner>', 'usr_… or team_… id, team slug or user name').argument('<amount>', 'a decimal amount'))
      .description(op === 'set' ? 'set a shared pool (made on first use)' : 'add to a shared pool (a negative amount takes away)')
      .action(async (ref: string, amount: string, flags: ClientFlags) => {
        const api = connection(flags);
        const res = await apiRequest<PoolView>(api, 'POST', `/v1/credit-pools/${seg(await poolOwner(api, ref))}/credits`, { op, amount });
        print(flags, res, () => describePool(res));
      });
  }
}
