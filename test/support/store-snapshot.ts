import { EDGE_CONFIG_RESOURCE } from '../../src/core/edge-config.js';
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
  const now = h.clock.now();
  const tokens = await h.stores.tokens.list({ limit: 10_000, now });
  const audit = await h.stores.audit.list({ limit: 10_000 });
  const users = await h.stores.accounts.listUsers({ limit: 10_000 });
  const teams = await h.stores.accounts.listTeams({ limit: 10_000 });
  const members = await Promise.all(teams.items.map((team) => h.stores.accounts.listMembers(team.id)));
  const pools = await Promise.all([...users.items, ...teams.items].map((owner) => h.stores.credits.findPool(owner.id)));
  const configIds = new Set(known.edgeConfigIds ?? []);
  for (const token of tokens.items) if (token.resource?.kind === EDGE_CONFIG_RESOURCE) configIds.add(token.resource.id);
  const edgeConfigs = await Promise.all([...configIds].sort().map((id) => h.stores.edgeConfigs.find(id)));
  const reservations = await Promise.all([...new Set(known.reservationIds ?? [])].sort().map((id) => h.stores.credits.findReservation(reservationKey(id))));
  const catalog = { environments: await h.stores.catalog.listEnvironments(), projects: await h.stores.catalog.listProjects() };
  const changes = await h.stores.changes.latest();
  // Balances are bigints, which JSON cannot write.
  return JSON.stringify(
    { tokens: tokens.items, audit: audit.items, users: users.items, teams: teams.items, members, pools, edgeConfigs, reservations, catalog, changes },
    (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
  );
}
