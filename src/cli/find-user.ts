import { ApiError, apiRequest, type ApiClientOptions } from './api-client.js';
import { withQuery, type Page } from './client-kit.js';

/** A user as GET /v1/whoami and GET /v1/users show one. */
export interface UserView {
  id: string;
  numId: number;
  name: string;
  email: string | null;
  role: string;
  createdAt: number;
  disabledAt: number | null;
}

/**
 * The user a `usr_…` id or a name stands for, from what the caller may read: itself (whoami), and
 * for admins the user listing, page by page (the API has no read of one user). Names match whatever
 * their case, as the server keeps them unique. A listing this token may not read finds nobody.
 */
async function lookUp(api: ApiClientOptions, ref: string): Promise<UserView | undefined> {
  const folded = ref.toLowerCase();
  const matches = (u: UserView) => u.id === ref || u.name.toLowerCase() === folded;
  const who = await apiRequest<{ user: UserView }>(api, 'GET', '/v1/whoami');
  if (matches(who.user)) return who.user;
  if (who.user.role !== 'admin') return undefined;
  try {
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
      const page: Page<UserView> = await apiRequest(api, 'GET', withQuery('/v1/users', params));
      const found = page.items.find(matches);
      if (found) return found;
      cursor = page.nextCursor;
    } while (cursor);
  } catch (error) {
    // An admin's token limited to a team, or without users:read.
    if (!(error instanceof ApiError && error.status === 403)) throw error;
  }
  return undefined;
}

const notFound = (ref: string) =>
  new Error(ref.startsWith('usr_') ? `USER_NOT_FOUND: no user ${ref}` : `USER_NOT_FOUND: no user named "${ref}": give a usr_… id`);

/** The user a `usr_…` id or a name stands for; an error when the caller can read no such user. */
export async function findUser(api: ApiClientOptions, ref: string): Promise<UserView> {
  const found = await lookUp(api, ref);
  if (!found) throw notFound(ref);
  return found;
}

/** A `usr_…` id as given (the server judges it), or the id of the user a name stands for: undefined when none. */
export async function findUserId(api: ApiClientOptions, ref: string): Promise<string | undefined> {
  return ref.startsWith('usr_') ? ref : (await lookUp(api, ref))?.id;
}

/** Like findUserId, but a name that stands for nobody is an error, thrown before the command sends anything. */
export async function userIdOf(api: ApiClientOptions, ref: string): Promise<string> {
  const id = await findUserId(api, ref);
  if (id === undefined) throw notFound(ref);
  return id;
}
