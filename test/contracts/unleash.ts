/** Unleash's `POST /edge/issue-token` and its schemas, as its reference defines them (OpenAPI 3.1, transcribed). */
export const edgeEnvironmentProjectsListSchema = {
  type: 'object',
  required: ['tokens'],
  properties: {
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        required: ['environment', 'projects'],
        properties: { environment: { type: 'string' }, projects: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
} as const;

export const validatedEdgeTokensSchema = {
  type: 'object',
  required: ['tokens'],
  properties: {
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        required: ['projects', 'environment', 'type', 'token'],
        properties: {
          projects: { type: 'array', items: { type: 'string' } },
          environment: { type: 'string' },
          type: { type: 'string', enum: ['client', 'admin', 'frontend', 'backend'] },
          token: { type: 'string' },
        },
      },
    },
  },
} as const;

/** The 400, 403, 413 and 415 bodies share this shape. */
export const unleashErrorSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, message: { type: 'string' } },
} as const;
