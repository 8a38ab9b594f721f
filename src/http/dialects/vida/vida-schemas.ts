import { Type } from 'typebox';

/** Vida's `POST /api/v2/tokens` request, as its reference defines it (extra properties are not refused). */
export const VidaCreateTokenBody = Type.Object({
  type: Type.Optional(Type.Literal('admin', { description: 'Permission for token. Only admin currently supported', default: 'admin' })),
  description: Type.String({ minLength: 1, maxLength: 200, description: 'Friendly description for token' }),
});

const VidaToken = Type.Object({
  token: Type.String({ description: 'The secret: shown in this response only' }),
  description: Type.String(),
  type: Type.String(),
  timestamp: Type.String({ description: 'Creation time, seconds since the epoch' }),
  userId: Type.Number({ description: 'User Id that owns token' }),
});

export const VidaCreateTokenResponse = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  token: VidaToken,
});

const VidaListedToken = Type.Object({
  id: Type.String(),
  description: Type.String(),
  type: Type.String(),
  timestamp: Type.String(),
  userId: Type.Number(),
  suffix: Type.String({ description: 'The last four characters of the secret' }),
});

export const VidaListResponse = Type.Object({ success: Type.Boolean(), tokens: Type.Array(VidaListedToken) });

export const VidaMessage = Type.Object({ success: Type.Boolean(), message: Type.String() });

export const VidaTokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) });
