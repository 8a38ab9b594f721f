import { Type } from 'typebox';
import { CREDITS_PATTERN } from '../../core/credits.js';
import { SCOPE_PATTERN } from '../../core/scopes.js';
import { REFILL_INTERVALS, TOKEN_STATUSES, TOKEN_TYPES } from '../../core/token.js';
import { LATEST_TIME_MS } from '../../core/token-input.js';
import { NullableInteger, NullableString, orNull, PageQuery, pageOf, TeamQuery } from './common.js';

const Scope = Type.String({ pattern: SCOPE_PATTERN, maxLength: 129 });
export const Scopes = Type.Array(Scope, { maxItems: 100 });
export const ResourceRef = Type.Object(
  { kind: Type.String({ minLength: 1, maxLength: 64 }), id: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Metadata = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Free-form JSON object, at most 16 kB serialized.',
});
const Cidr = Type.String({ minLength: 2, maxLength: 49, description: 'An IPv4 or IPv6 CIDR range or address.' });
const IpAllowlist = Type.Array(Cidr, { maxItems: 100 });
export const Environment = Type.String({ minLength: 1, maxLength: 100 });
const Projects = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 });
// Up to the last millisecond of year 9999, so every value is a valid Date and fits a SQL bigint.
const Millis = Type.Integer({ minimum: 0, maximum: LATEST_TIME_MS, description: 'Milliseconds since the Unix epoch.' });

/** Credits travel as decimal strings: JSON numbers would lose the 10⁻⁹ units. */
export const Credits = Type.String({
  pattern: CREDITS_PATTERN,
  maxLength: 21,
  description: 'A decimal amount of credits with up to 9 fraction digits, e.g. "12.5"; at most 10^9.',
});
const Refill = Type.Object(
  {
    amount: Credits,
    interval: Type.Enum(REFILL_INTERVALS),
    dayOfMonth: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, description: "Monthly: the day (the month's last when shorter); default 1." })),
  },
  { additionalProperties: false, description: 'Sets the balance back to `amount` once per day or month (00:00 UTC).' },
);
const RateLimit = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' }),
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    durationMs: Type.Integer({ minimum: 1, maximum: 31 * 24 * 3600 * 1000 }),
  },
  { additionalProperties: false, description: 'At most `limit` requests (or cost) in any window of `durationMs`.' },
);
const RateLimits = Type.Array(RateLimit, { maxItems: 10 });

export const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  origin: Type.String(),
  prefix: Type.String(),
  suffix: Type.String({ description: 'The last four characters of the secret.' }),
  status: Type.Enum(TOKEN_STATUSES),
  scopes: Type.Array(Type.String()),
  resource: orNull(ResourceRef),
  environment: NullableString,
  projects: Type.Array(Type.String()),
  ownerUserId: Type.String(),
  teamId: NullableString,
  metadata: Metadata,
  ipAllowlist: Type.Array(Type.String()),
  expiresAt: NullableInteger,
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  activeAt: orNull(Type.Integer(), { description: 'Last use, written behind in batches.' }),
  useCount: Type.Integer({ minimum: 0, description: 'Verifications and management calls the token passed, written behind in batches.' }),
  revokedAt: NullableInteger,
  leakedAt: NullableInteger,
  leakedUrl: NullableString,
  disabledAt: orNull(Type.Integer(), { description: 'When the token was suspended (POST /v1/tokens/{id}/disable); it answers DISABLED until enabled.' }),
  ownerDisabledAt: orNull(Type.Integer(), {
    description: 'When its owner was disabled (POST /v1/users/{id}/disable); it answers DISABLED until the owner is enabled.',
  }),
  parentId: NullableString,
  rotatedFromId: NullableString,
  credits: orNull(Type.String(), { description: 'The balance, a decimal string; null when the token has none.' }),
  creditsActive: Type.Boolean({ description: 'When on, verifications charge the balance and stop at 0.' }),
  creditPool: orNull(Type.String(), { description: 'The owner whose shared pool this token draws from.' }),
  refill: orNull(Type.Object({ amount: Type.String(), interval: Type.Enum(REFILL_INTERVALS), dayOfMonth: NullableInteger })),
  lastRefillAt: NullableInteger,
  rateLimits: Type.Array(Type.Object({ name: Type.String(), limit: Type.Integer(), durationMs: Type.Integer() })),
});

export const CreateTokenBody = Type.Object(
  {
    name: Name,
    type: Type.Optional(Type.Enum(TOKEN_TYPES)),
    scopes: Type.Optional(Scopes),
    expiresAt: Type.Optional(Type.Union([Millis, Type.Null()])),
    teamId: Type.Optional(Type.String({ maxLength: 64 })),
    ownerUserId: Type.Optional(Type.String({ maxLength: 64, description: 'Admins only: issue for another user.' })),
    resource: Type.Optional(ResourceRef),
    environment: Type.Optional(Environment),
    projects: Type.Optional(Projects),
    metadata: Type.Optional(Metadata),
    ipAllowlist: Type.Optional(IpAllowlist),
    credits: Type.Optional(Credits),
    creditsActive: Type.Optional(Type.Boolean({ description: 'Default: on when `credits` is given.' })),
    creditPool: Type.Optional(Type.Boolean({ description: "Draw from the owner's shared pool (the team's, else the user's)." })),
    refill: Type.Optional(Refill),
    rateLimits: Type.Optional(RateLimits),
  },
  { additionalProperties: false },
);

export const IssuedTokenResponse = Type.Object({
  token: TokenView,
  secret: Type.String({ description: 'Shown once, never again: tessera keeps only its digest.' }),
});

export const ListTokensQuery = Type.Object({
  ...PageQuery,
  ...TeamQuery,
  type: Type.Optional(Type.String({ maxLength: 64 })),
  status: Type.Optional(Type.Enum(TOKEN_STATUSES)),
  q: Type.Optional(
    Type.String({
      maxLength: 200,
      description:
        'Only tokens whose name starts with this: A–Z in either case, every other character exactly (a prefix is what an index on the name answers fast).',
    }),
  ),
  ownerUserId: Type.Optional(
    Type.String({
      maxLength: 64,
      description: "Only this user's tokens, among those the listing shows anyway; for an admin, this user's tokens in every team.",
    }),
  ),
  all: Type.Optional(Type.Boolean({ description: 'Admins only: every token of the installation (403 otherwise).' })),
});

export const TokenPage = pageOf(TokenView);

export const UpdateTokenBody = Type.Object(
  {
    name: Type.Optional(Name),
    scopes: Type.Optional(Scopes),
    expiresAt: Type.Optional(Type.Union([Millis, Type.Null()])),
    metadata: Type.Optional(Metadata),
    ipAllowlist: Type.Optional(IpAllowlist),
    creditsActive: Type.Optional(Type.Boolean()),
    refill: Type.Optional(Type.Union([Refill, Type.Null()])),
    rateLimits: Type.Optional(RateLimits),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const RotateTokenBody = Type.Object(
  {
    gracePeriodMs: Type.Optional(Type.Integer({ minimum: 0, description: 'How long the old secret keeps verifying; at most 30 days.' })),
    expiresAt: Type.Optional(Type.Union([Millis, Type.Null()])),
  },
  { additionalProperties: false },
);

export const DisableTokenBody = Type.Object(
  { reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Why, for the audit log and the token.disabled event.' })) },
  { additionalProperties: false },
);

export const TokenResponse = Type.Object({ token: TokenView });
