import type { Stores } from '../../src/store/stores.js';
import { T0 } from './fixtures.js';

/**
 * Creates each of these users that the stores do not have yet (a member, named as its id): a token
 * is only stored for an owner who exists, so a suite's fixtures (makeToken's `usr_owner`) need theirs.
 */
export async function createOwners(stores: Pick<Stores, 'accounts'>, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    if (await stores.accounts.findUser(id)) continue;
    await stores.accounts.createUser({ id, name: id, email: null, role: 'member', createdAt: T0 });
  }
}
