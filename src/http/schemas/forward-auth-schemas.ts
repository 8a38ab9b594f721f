import { Type, type Static } from 'typebox';
import { MAX_TAGS, TAG_PATTERN } from '../../core/analytics.js';
import { CREDITS_PATTERN } from '../../core/credits.js';
import { ErrorResponse } from './common.js';
import { Environment } from './token-schemas.js';

/** One scope as a token grants or a caller requires it (SCOPE_PATTERN without its anchors). */
const SCOPE = '(?:\\*|[A-Za-z0-9_.:/-]{1,128}\\*?)';

/**
 * What the upstream behind a gateway requires of the key, written by the operator into the
 * forward-auth URL the gateway calls (nginx's `proxy_pass`, Caddy's `uri`, Traefik's `address`).
 * Never anything the end client sends: see docs/gateways.md.
 */
export const ForwardAuthQuery = Type.Object(
  {
    scopes: Type.Optional(
      Type.Array(
        Type.String({
          // Scopes separated by commas or spaces (`+` in a URL); the separator is required, so matching stays linear.
          pattern: `^[\\s,]*${SCOPE}(?:[\\s,]+${SCOPE})*[\\s,]*$`,
          maxLength: 2000,
        }),
        { maxItems: 10, description: 'Scopes the key must grant, comma- or space-separated; repeatable (all of them are required).' },
      ),
    ),
    cost: Type.Optional(
      Type.String({
        pattern: CREDITS_PATTERN,
        maxLength: 21,
        description: 'Credits each request costs, not negative (default 1; "0" checks without charging). Only metered keys are charged.',
      }),
    ),
    resource: Type.Optional(Type.String({ pattern: '^[^:]{1,64}:.{1,128}$', maxLength: 193, description: 'The resource the key must be for, as `kind:id`.' })),
    environment: Type.Optional({ ...Environment, description: 'The environment the key must be for (keys without one pass).' }),
    project: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'A project the key must cover (keys without projects pass).' })),
    rateLimit: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,75}$' }), {
        maxItems: 10,
        description:
          "Which of the key's rate limits a request spends, as `name` or `name:cost` (cost 1 by default; a name that ends in `:<digits>` needs its cost written); repeatable. All, at cost 1, when not given.",
      }),
    ),
    tag: Type.Optional(
      Type.Array(Type.String({ pattern: TAG_PATTERN, minLength: 1, maxLength: 64 }), {
        maxItems: MAX_TAGS,
        uniqueItems: true,
        description: 'A tag analytics can group these verifications by (e.g. the upstream, `route:/orders`); repeatable, up to 10.',
      }),
    ),
    keyHeader: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9-]{1,64}$',
        description: 'Another request header the key may come in, after `Authorization: Bearer` and `X-Api-Key`.',
      }),
    ),
  },
  { additionalProperties: false },
);

export type ForwardAuthQuery = Static<typeof ForwardAuthQuery>;

const refusal = (description: string) => ({ ...ErrorResponse, description });

/** What a forward-auth request answers, by status; a gateway passes 2xx and refuses the rest. */
export const FORWARD_AUTH_RESPONSES = {
  200: Type.Null({
    description:
      'The key is good for these requirements, and was charged: an empty body, with X-Tessera-Token-Id, X-Tessera-Owner, X-Tessera-Team, ' +
      'X-Tessera-Scopes (space-separated) and X-Tessera-Remaining (credits left, for metered keys), each empty when there is none, and, when a rate limit ' +
      'applied, RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, for the gateway to copy to the upstream.',
  }),
  400: refusal('The forward-auth URL (its query: the operator wrote it) is not valid.'),
  401: refusal('No key, or an unknown, revoked or expired one: `WWW-Authenticate: Bearer`; X-Tessera-Code says which.'),
  403: refusal(
    "The key lacks a scope, resource, environment or project this upstream requires (INSUFFICIENT_PERMISSIONS), or the client's address is not on its allowlist (FORBIDDEN).",
  ),
  429: refusal('A rate limit (RATE_LIMITED) or the credits (USAGE_EXCEEDED) are used up, as X-Tessera-Code says; Retry-After says when to try again.'),
};
