import { AppError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { issueToken, tokenFields } from '../core/issue-token.js';
import { parseSecret } from '../core/secret.js';
import { TOKEN_PREFIX } from '../core/token.js';
import type { Stores } from '../store/stores.js';
import type { Runtime } from './runtime.js';

/**
 * On an empty store, creates the `admin` user and its first personal token. Returns the
 * secret (generated, or the given one) so the caller can show it once; undefined when the
 * store already has users.
 */
export async function bootstrap(stores: Stores, runtime: Runtime, givenSecret?: string): Promise<string | undefined> {
  if ((await stores.accounts.countUsers()) > 0) return undefined;
  // The server's configuration refuses these first; this keeps an admin from ever holding a token that may not manage tessera.
  if (givenSecret !== undefined && parseSecret(givenSecret)?.prefix !== TOKEN_PREFIX.personal) {
    throw new AppError('VALIDATION_ERROR', "TESSERA_BOOTSTRAP_TOKEN is not a personal token's secret: make one with `tessera token generate`");
  }
  const now = runtime.now();
  const userId = newId('usr', now, runtime.randomBytes);
  const { token, secret } = issueToken(
    tokenFields({ name: 'bootstrap admin', type: 'personal', origin: 'bootstrap', scopes: ['*'], ownerUserId: userId }),
    now,
    runtime.randomBytes,
    givenSecret,
  );
  // The user first: a token is stored only for an owner who exists (TokenStore.insert). On SQLite
  // the two are one transaction (the startup lock's); on PostgreSQL a start that dies between them
  // leaves the admin without a token, which `tessera admin token` makes. A given token stored by an
  // interrupted start of an older version (which stored the token first) is adopted, not inserted twice.
  const interrupted = givenSecret === undefined ? undefined : await stores.tokens.findByDigest(token.digest);
  const adminId = interrupted?.ownerUserId ?? userId;
  await stores.accounts.createUser({ id: adminId, name: 'admin', email: null, role: 'admin', createdAt: now });
  if (!interrupted) await stores.tokens.insert(token);
  await stores.audit.append({
    id: newId('evt', now, runtime.randomBytes),
    at: now,
    action: 'bootstrap',
    actorUserId: null,
    actorTokenId: null,
    targetType: 'token',
    targetId: interrupted?.id ?? token.id,
    teamId: null,
    subjectUserId: adminId,
    ip: null,
    requestId: null,
    details: { userId: adminId },
  });
  return secret;
}
