import { Type, type Static } from 'typebox';
import { MAX_TAGS, TAG_PATTERN } from '../../core/analytics.js';
import { VERIFY_CODES } from '../../core/verify.js';
import { ErrorResponse } from './common.js';
import { Credits, Environment, ResourceRef, Scopes, TokenView } from './token-schemas.js';

/** What analytics may group a verification by: a few short strings (GET /v1/analytics/verifications?groupBy=tag). */
export const Tag = Type.String({ pattern: TAG_PATTERN, minLength: 1, maxLength: 64 });
export const Tags = Type.Array(Tag, {
  maxItems: MAX_TAGS,
  uniqueItems: true,
  description: 'Up to 10 tags (1–64 of `A-Z a-z 0-9 . _ : / @ = + -`, e.g. `route:/v1/x` or `plan:pro`) that analytics can group this verification by.',
});

const VerifyFields = {
  tags: Type.Optional(Tags),
  scopes: Type.Optional(Scopes),
  resource: Type.Optional(ResourceRef),
  environment: Type.Optional(Environment),
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  ip: Type.Optional(
    Type.String({
      format: 'ip',
      maxLength: 45,
      description: "The end client's address (IPv4 or IPv6), for IP allowlists and the guessing guard; defaults to the caller's.",
    }),
  ),
  cost: Type.Optional({
    ...Credits,
    description: 'Credits this call costs, not negative (default 1; "0" checks without charging). Only metered tokens are charged.',
  }),
  rateLimits: Type.Optional(
    Type.Array(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 64 }), cost: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000 })) },
        { additionalProperties: false },
      ),
      { maxItems: 10, description: "Which of the token's rate limits this call spends, each with a cost (default 1); all, at cost 1, when not given." },
    ),
  ),
};

export const VerifyBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }), ...VerifyFields }, { additionalProperties: false });

export type VerifyBody = Static<typeof VerifyBody>;

export const VerifyResult = Type.Object({
  valid: Type.Boolean(),
  code: Type.Enum(VERIFY_CODES),
  token: Type.Optional(TokenView),
  remaining: Type.Optional(Type.String({ description: 'Credits left after this call (metered tokens only).' })),
  rateLimit: Type.Optional(
    Type.Object(
      { name: Type.String(), limit: Type.Integer(), remaining: Type.Integer(), resetAt: Type.Integer() },
      { description: 'The tightest of the rate limits applied, or the one that refused the call (RATE_LIMITED).' },
    ),
  ),
});

export type VerifyResult = Static<typeof VerifyResult>;

export const VerifyBatchBody = Type.Object(
  {
    tokens: Type.Array(Type.Union([Type.String({ minLength: 1, maxLength: 512 }), VerifyBody]), {
      minItems: 1,
      maxItems: 1000,
      description: 'Secrets, or objects with per-token requirements; the top-level requirements apply to plain strings.',
    }),
    ...VerifyFields,
  },
  { additionalProperties: false },
);

export const VerifyBatchResult = Type.Object({ results: Type.Array(VerifyResult) });

/** What `POST /v1/verify` answers, by status: the route and its fast path (fast-verify/) serialize with these. */
export const VERIFY_RESPONSES = { 200: VerifyResult, 400: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse };
