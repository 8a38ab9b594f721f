/** Vercel's `POST /v3/user/tokens` 200 response as its reference defines it (transcribed). */
export const vercelCreateAuthTokenResponse = {
  type: 'object',
  required: ['bearerToken', 'token'],
  properties: {
    token: {
      type: 'object',
      required: ['activeAt', 'createdAt', 'id', 'name', 'type'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        type: { type: 'string' },
        prefix: { type: 'string' },
        suffix: { type: 'string' },
        origin: { type: 'string' },
        scopes: { type: 'array', items: {} },
        createdAt: { type: 'number' },
        activeAt: { type: 'number' },
        expiresAt: { type: 'number' },
        revokedAt: { type: 'number' },
        leakedAt: { type: 'number' },
        leakedUrl: { type: 'string' },
      },
    },
    bearerToken: { type: 'string' },
  },
} as const;

export const vercelCreateAuthTokenRequest = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, expiresAt: { type: 'number' } },
} as const;
