/**
 * Vida's `POST /api/v2/tokens` as its published reference defines it (OpenAPI 3.0,
 * transcribed; the project's clone does not carry the reference itself).
 */
export const vidaCreateTokenRequest = {
  type: 'object',
  required: ['type', 'description'],
  properties: {
    type: { type: 'string', default: 'admin' },
    description: { type: 'string' },
  },
} as const;

export const vidaCreateTokenResponse = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    message: { type: 'string' },
    token: {
      type: 'object',
      properties: {
        token: { type: 'string' },
        description: { type: 'string' },
        type: { type: 'string' },
        timestamp: { type: 'string' },
        userId: { type: 'number' },
      },
    },
  },
} as const;
