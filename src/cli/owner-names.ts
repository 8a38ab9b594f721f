import { ApiError, apiRequest, type ApiClientOptions } from './api-client.js';
import { seg, withQuery, type Page } from './client-kit.js';

interface Named {
  id: string;
  name: string;
}

/** Runs a read the caller may not be allowed: a 403 only leaves ids unnamed. */
async function ifAllowed(read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 403)) throw error;
  }
}

/**
 * Names for the owners of listed tokens, from what the caller may read anyway: itself, the
 * members of the team it lists, and (admins) the users, paged only until every owner is named.
 * An owner it may not name stays an id.
 */
export async function ownerNames(api: ApiClientOptions, owners: readonly string[], team: string | undefined): Promise<(userId: string) => string> {
  const names = new Map<string, string>();
  const unnamed = () => owners.some((id) => !names.has(id));
  const who = await apiRequest<{ user: Named & { role: string } }>(api, 'GET', '/v1/whoami');
  names.set(who.user.id, who.user.name);
  if (team && unnamed()) {
    await ifAllowed(async () => {
      const res = await apiRequest<{ members: Array<{ userId: string; name: string | null }> }>(api, 'GET', `/v1/teams/${seg(team)}`);
      for (const m of res.members) if (m.name) names.set(m.userId, m.name);
    });
  }
  if (who.user.role === 'admin' && unnamed()) {
    await ifAllowed(async () => {
      let cursor: string | null = null;
      do {
        const params = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
        const page: Page<Named> = await apiRequest(api, 'GET', withQuery('/v1/users', params));
        for (const u of page.items) names.set(u.id, u.name);
        cursor = page.nextCursor;
      } while (cursor && unnamed());
    });
  }
  return (userId) => names.get(userId) ?? userId;
}
