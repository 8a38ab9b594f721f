/**
 * Vercel's `POST /v1/edge-config/{edgeConfigId}/token` ("Create an Edge Config token") as its
 * REST reference defines it: the OpenAPI that the reference page embeds, transcribed. Kept
 * as the reference writes it (the `allOf` wrappers included) so that a reader can hold the
 * two side by side; tests must not read the reference at run time.
 */

/** Query: both optional; the team the request acts for. */
export const edgeConfigTokenQuery = {
  type: 'object',
  properties: {
    teamId: { type: 'string', description: 'The Team identifier to perform the request on behalf of.' },
    slug: { type: 'string', description: 'The Team slug to perform the request on behalf of.' },
  },
} as const;

/** Body: a label of at most 52 characters, required, and nothing else. No minimum length is stated. */
export const edgeConfigTokenRequest = {
  type: 'object',
  properties: {
    label: { allOf: [{ maxLength: 52, type: 'string' }] },
  },
  required: ['label'],
  additionalProperties: false,
} as const;

/** 201: the secret (shown this once) and the token's id, both required. */
export const edgeConfigTokenCreated = {
  type: 'object',
  properties: {
    token: { allOf: [{ type: 'string' }] },
    id: { allOf: [{ type: 'string' }] },
  },
  required: ['token', 'id'],
} as const;

/**
 * The error statuses the reference documents, with its descriptions. It gives 400–403 a body
 * of `type: any` and 404 and 409 no body at all: no error shape is documented, so each schema
 * here accepts any body. (The `{error: {code, message}}` body that tessera's Vercel dialect
 * answers is Vercel's general API convention, not part of this reference.)
 */
export const edgeConfigTokenErrors = {
  400: {
    description: 'One of the provided values in the request body is invalid.\nOne of the provided values in the request query is invalid.',
  },
  401: { description: 'The request is not authorized.' },
  402: {
    description: 'The account was soft-blocked for an unhandled reason.\nThe account is missing a payment so payment method must be updated',
  },
  403: { description: 'You do not have permission to access this resource.' },
  404: {},
  409: {},
} as const;

export type EdgeConfigTokenErrorStatus = keyof typeof edgeConfigTokenErrors;
