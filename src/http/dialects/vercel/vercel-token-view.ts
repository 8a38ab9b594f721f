import type { TokenRecord } from '../../../core/token.js';

/** Vercel leaves an absent timestamp out; tessera keeps it as null. */
function present<K extends string, V>(key: K, value: V | null): Partial<Record<K, V>> {
  return value === null ? {} : ({ [key]: value } as Record<K, V>);
}

/** A token as Vercel's AuthToken: scoped to its team, or to its user. */
export function vercelToken(token: TokenRecord) {
  const scope = {
    type: token.teamId === null ? ('user' as const) : ('team' as const),
    origin: 'manual',
    createdAt: token.createdAt,
    ...(token.teamId === null ? {} : { teamId: token.teamId }),
    ...present('expiresAt', token.expiresAt),
  };
  return {
    id: token.id,
    name: token.name,
    type: token.type,
    prefix: token.prefix,
    suffix: token.suffix,
    origin: token.origin,
    scopes: [scope],
    createdAt: token.createdAt,
    // Vercel requires activeAt; a token never used was last active when it was made.
    activeAt: token.activeAt ?? token.createdAt,
    ...present('expiresAt', token.expiresAt),
    ...present('revokedAt', token.revokedAt),
    ...present('leakedAt', token.leakedAt),
    ...present('leakedUrl', token.leakedUrl),
  };
}
