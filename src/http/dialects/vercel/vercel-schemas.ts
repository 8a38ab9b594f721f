import { Type } from 'typebox';
import { orNull } from '../../schemas/common.js';

/** Vercel's `POST /v3/user/tokens` body; other properties (the SDK may send `projectId`) are not refused. */
export const VercelCreateTokenBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  expiresAt: Type.Optional(Type.Number({ minimum: 0, maximum: 253_402_300_799_999, description: 'Milliseconds since the epoch' })),
});

const Scope = Type.Object({
  type: Type.Union([Type.Literal('user'), Type.Literal('team')]),
  origin: Type.String(),
  createdAt: Type.Number(),
  expiresAt: Type.Optional(Type.Number()),
  teamId: Type.Optional(Type.String()),
});

/** Vercel's AuthToken: optional timestamps are left out rather than null. */
export const VercelAuthToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  prefix: Type.String(),
  suffix: Type.String(),
  origin: Type.String(),
  scopes: Type.Array(Scope),
  createdAt: Type.Number(),
  activeAt: Type.Number(),
  expiresAt: Type.Optional(Type.Number()),
  revokedAt: Type.Optional(Type.Number()),
  leakedAt: Type.Optional(Type.Number()),
  leakedUrl: Type.Optional(Type.String()),
});

export const VercelCreateTokenResponse = Type.Object({ token: VercelAuthToken, bearerToken: Type.String() });
export const VercelTokenResponse = Type.Object({ token: VercelAuthToken });
export const VercelTokenList = Type.Object({
  tokens: Type.Array(VercelAuthToken),
  pagination: Type.Object({ count: Type.Number(), next: orNull(Type.Number()), prev: orNull(Type.Number()) }),
});
export const VercelDeleteResponse = Type.Object({ tokenId: Type.String() });
export const VercelTokenParams = Type.Object({ tokenId: Type.String({ minLength: 1, maxLength: 64 }) });
export const VercelTeamQuery = Type.Object({
  teamId: Type.Optional(Type.String({ maxLength: 64 })),
  slug: Type.Optional(Type.String({ maxLength: 64 })),
});
export const VercelError = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });
