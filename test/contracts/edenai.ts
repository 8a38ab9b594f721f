/**
 * Eden AI's `POST /v2/user/custom_token/` as its published reference defines it (OpenAPI
 * 3.0.3, transcribed; `nullable` written as a type union for a JSON Schema validator).
 */
const tokenType = { enum: ['sandbox_api_token', 'api_token'], type: 'string' } as const;
const balance = { type: 'string', pattern: '^-?\\d{0,5}(?:\\.\\d{0,9})?$' } as const;
const expireTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const edenCreateTokenRequest = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    token_type: tokenType,
    balance,
    expire_time: expireTime,
    active_balance: { type: 'boolean' },
  },
} as const;

export const edenCreateTokenResponse = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 200 },
    token_type: tokenType,
    balance,
    expire_time: expireTime,
    active_balance: { type: 'boolean' },
  },
} as const;

/** The retrieve (`GET …/{name}/`) response of the same reference. */
export const edenRetrieveTokenResponse = {
  type: 'object',
  required: ['name', 'token_type'],
  properties: {
    name: { type: 'string', maxLength: 200 },
    token: { type: ['string', 'null'], maxLength: 2000 },
    token_type: tokenType,
    balance: { type: 'number', exclusiveMinimum: -100000, exclusiveMaximum: 100000 },
    active_balance: { type: 'boolean' },
    expire_time: expireTime,
  },
} as const;
