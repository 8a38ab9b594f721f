import type { Harness } from './app-harness.js';

/** Everything a request could have changed, read straight from the stores: equal before and after a refusal. */
export async function storeSnapshot(h: Harness): Promise<string> {
  const now = h.clock.now();
  const tokens = await h.stores.tokens.list({ limit: 10_000, now });
  const audit = await h.stores.audit.list({ limit: 10_000 });
  const users = await h.stores.accounts.listUsers({ limit: 10_000 });
  const teams = await h.stores.accounts.listTeams({ limit: 10_000 });
  // Balances are bigints, which JSON cannot write.
  return JSON.stringify({ tokens: tokens.items, audit: audit.items, users: users.items, teams: teams.items }, (_key, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : value,
  );
}
