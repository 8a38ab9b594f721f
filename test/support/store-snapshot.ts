import { EDGE_CONFIG_RESOURCE } from '../../src/core/vercel-edge-config.js';
import { reservationKey } from '../../src/service/credit-service.js';
import type { Harness } from './app-harness.js';

/** What no store method lists, named by the caller: Edge Configs without tokens, reservations. */
export interface KnownIds {
  edgeConfigIds?: Iterable<string>;
  /** As their holders see them (`res_…`). */
  reservationIds?: Iterable<string>;
}

/** Everything a request could have changed, read straight from the stores: equal before and after a refusal. */
export async function storeSnapshot(h: Harness, known: KnownIds = {}): Promise<string> {
  const { stores } = h;
  const now = h.clock.now();
  // Reads that do not depend on one another run at once: a fuzzer takes a snapshot per request.
  const [tokens, audit, users, teams, environments, projects, changes, reservations, policies] = await Promise.all([
    stores.tokens.list({ limit: 10_000, now }),
    stores.audit.list({ limit: 10_000 }),
    stores.accounts.listUsers({ limit: 10_000 }),
    stores.accounts.listTeams({ limit: 10_000 }),
    stores.catalog.listEnvironments(),
    stores.catalog.listProjects(),
    stores.changes.latest(),
    Promise.all([...new Set(known.reservationIds ?? [])].sort().map((id) => stores.credits.findReservation(reservationKey(id)))),
    stores.policies.list(),
  ]);
  const configIds = new Set(known.edgeConfigIds ?? []);
  for (const token of tokens.items) if (token.resource?.kind === EDGE_CONFIG_RESOURCE) configIds.add(token.resource.id);
  const [members, pools, edgeConfigs] = await Promise.all([
    Promise.all(teams.items.map((team) => stores.accounts.listMembers(team.id))),
    Promise.all([...users.items, ...teams.items].map((owner) => stores.credits.findPool(owner.id))),
    Promise.all([...configIds].sort().map((id) => stores.edgeConfigs.find(id))),
  ]);
  const catalog = { environments, projects };
  // Balances are bigints, which JSON cannot write.
  return JSON.stringify(
    { tokens: tokens.items, audit: audit.items, users: users.items, teams: teams.items, members, pools, edgeConfigs, reservations, catalog, changes, policies },
    (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
  );
}
