import { hostname, userInfo } from 'node:os';
import type { UserRecord } from '../core/account.js';
import { userNameKey } from '../core/account.js';
import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { issueToken, tokenFields } from '../core/issue-token.js';
import { systemRuntime, type Runtime } from '../service/runtime.js';
import { openStores } from '../store/open-stores.js';
import type { Stores } from '../store/stores.js';
import { requireExistingStore } from './existing-store.js';
import { claimServerKey } from './secret-key.js';
import { describeStore, listenUrl, type ServerConfig } from './server-config.js';

export interface AdminTokenFlags {
  /** The admin to issue the token for, by id or name; the oldest enabled admin when not given. */
  user?: string;
  /** The new token's name. */
  name?: string;
}

/** Who ran the command, as the audit entry records it: there is no caller to name otherwise. */
export interface Operator {
  osUser: string;
  host: string;
}

/** Token names as the API takes them, so the recovered token can be renamed and listed like any other. */
const TOKEN_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const DEFAULT_NAME = 'recovered-admin';
/** The name of the admin made when there is none, as the first start names it; then these if that name is taken. */
const NEW_ADMIN_NAMES = ['admin', 'recovered-admin', 'recovered-admin-2', 'recovered-admin-3'];

export function currentOperator(): Operator {
  let osUser: string;
  try {
    osUser = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the environment's word for it, if any.
    osUser = process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
  return { osUser, host: hostname() };
}

/**
 * `tessera admin token`: with access to the store (the data directory or DATABASE_URL) and its
 * server key, issues a new personal token with every scope for an enabled admin, audits it as
 * `recovery`, and answers the text to print, with the secret in it this once. Runs beside a serving
 * server: the store is opened as `serve` opens it (migrated, the key checked), and the token is
 * one more row, which the server finds on its first lookup of it.
 */
export async function recoverAdminToken(
  config: ServerConfig,
  flags: AdminTokenFlags,
  operator: Operator = currentOperator(),
  runtime: Runtime = systemRuntime,
): Promise<string> {
  const name = flags.name ?? DEFAULT_NAME;
  if (!TOKEN_NAME.test(name)) throw new Error(`--name must be 1–64 letters, digits, or _ . : - (got ${JSON.stringify(name)})`);
  // A mistyped --data-dir would otherwise make a new, empty store and an admin for it.
  requireExistingStore(config);
  const stores = await openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    // A store served with another key is not this installation's: refused as `tessera serve` refuses it.
    await claimServerKey(config, stores);
    const { user, created } = flags.user === undefined ? await defaultAdmin(stores, runtime) : { user: await namedAdmin(stores, flags.user), created: false };
    const now = runtime.now();
    const { token, secret } = issueToken(
      tokenFields({ name, type: 'personal', origin: 'recovery', scopes: ['*'], ownerUserId: user.id }),
      now,
      runtime.randomBytes,
    );
    await stores.tokens.insert(token);
    await stores.audit.append({
      id: newId('evt', now, runtime.randomBytes),
      at: now,
      action: 'recovery',
      actorUserId: null,
      actorTokenId: null,
      targetType: 'token',
      targetId: token.id,
      teamId: null,
      subjectUserId: user.id,
      ip: null,
      requestId: null,
      details: { userId: user.id, userName: user.name, createdUser: created, name, osUser: operator.osUser, host: operator.host },
    });
    const who = `${user.name} (${user.id})`;
    const made = created ? `no enabled admin, so created the admin user ${who}; ` : '';
    return (
      `${describeStore(config)}: ${made}issued the admin token "${name}" for ${who}, audited as recovery. It is shown this once, never again:\n\n` +
      `    ${secret}\n\n` +
      whoamiHint(config, secret)
    );
  } finally {
    await stores.close();
  }
}

/**
 * The line that shows how to try the token: at the public URL if there is one, else where `serve`
 * listens with this configuration (flags, environment, config file). With port 0 that is
 * wherever the system put it, which this command cannot know, so it names no port.
 */
export function whoamiHint(config: ServerConfig, secret: string): string {
  const curl = `curl -H "Authorization: Bearer ${secret}"`;
  if (config.publicUrl) return `Try: ${curl} ${config.publicUrl}/v1/whoami\n`;
  if (config.port === 0) return `Try it on the server (its URL is in the line "tessera listening on …"): ${curl} <server URL>/v1/whoami\n`;
  return `Try: ${curl} ${listenUrl(config.host, config.port)}/v1/whoami\n`;
}

async function allUsers(stores: Stores): Promise<UserRecord[]> {
  const users: UserRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await stores.accounts.listUsers({ limit: 500, ...(cursor === undefined ? {} : { cursor }) });
    users.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return users;
}

/** The user named by id or name (as names compare: case and width aside), who must be an enabled admin. */
async function namedAdmin(stores: Stores, ref: string): Promise<UserRecord> {
  const user = (await stores.accounts.findUser(ref)) ?? (await allUsers(stores)).find((u) => userNameKey(u.name) === userNameKey(ref));
  if (!user) throw new Error(`--user ${JSON.stringify(ref)}: no user has this id or name; leave --user out to use the oldest enabled admin`);
  if (user.role !== 'admin') throw new Error(`--user ${JSON.stringify(ref)}: ${user.name} (${user.id}) is not an admin; name an admin, or leave --user out`);
  if (user.disabledAt !== null) {
    throw new Error(`--user ${JSON.stringify(ref)}: ${user.name} (${user.id}) is disabled; name an enabled admin, or leave --user out`);
  }
  return user;
}

/** The oldest enabled admin; with none, a new `admin` user, as the first start makes one. */
async function defaultAdmin(stores: Stores, runtime: Runtime): Promise<{ user: UserRecord; created: boolean }> {
  const admins = (await allUsers(stores)).filter((u) => u.role === 'admin' && u.disabledAt === null);
  const oldest = admins.sort((a, b) => a.createdAt - b.createdAt || a.numId - b.numId)[0];
  if (oldest) return { user: oldest, created: false };
  for (const name of NEW_ADMIN_NAMES) {
    const now = runtime.now();
    try {
      const user = await stores.accounts.createUser({ id: newId('usr', now, runtime.randomBytes), name, email: null, role: 'admin', createdAt: now });
      return { user, created: true };
    } catch (error) {
      // A disabled or non-admin user holds the name: the next one.
      if (!(error instanceof AppError && error.code === 'USER_NAME_TAKEN')) throw error;
    }
  }
  throw new Error(`no enabled admin, and the names ${NEW_ADMIN_NAMES.join(', ')} are all taken: rename one of those users, or make a user admin`);
}
