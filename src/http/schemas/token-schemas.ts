import { Type } from 'typebox';
import { SCOPE_PATTERN } from '../../core/scopes.js';
import { TOKEN_STATUSES, TOKEN_TYPES } from '../../core/token.js';
import { VERIFY_CODES } from '../../core/verify.js';
import { NullableInteger, NullableString, PageQuery, pageOf, TeamQuery } from './common.js';

const Scope = Type.String({ pattern: SCOPE_PATTERN, maxLength: 129 });
const Scopes = Type.Array(Scope, { maxItems: 100 });
const ResourceRef = Type.Object(
  { kind: Type.String({ minLength: 1, maxLength: 64 }), id: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Metadata = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Free-form JSON object, at most 16 kB serialized.',
});
const Cidr = Type.String({ minLength: 2, maxLength: 49, description: 'An IPv4 or IPv6 CIDR range or address.' });
const IpAllowlist = Type.Array(Cidr, { maxItems: 100 });
const Environment = Type.String({ minLength: 1, maxLength: 100 });
const Projects = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 });
// Up to the last millisecond of year 9999, so every value is a valid Date and fits a SQL bigint.
const Millis = Type.Integer({ minimum: 0, maximum: 253_402_300_799_999, description: 'Milliseconds since the Unix epoch.' });

export const TokenView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    type: Type.String(),
    origin: Type.String(),
    prefix: Type.String(),
    suffix: Type.String({ description: 'The last four characters of the secret.' }),
    status: Type.Enum(TOKEN_STATUSES),
    scopes: Type.Array(Type.String()),
    resource: Type.Union([ResourceRef, Type.Null()]),
    environment: NullableString,
    projects: Type.Array(Type.String()),
    ownerUserId: Type.String(),
    teamId: NullableString,
    metadata: Metadata,
    ipAllowlist: Type.Array(Type.String()),
    expiresAt: NullableInteger,
    createdAt: Type.Integer(),
    updatedAt: Type.Integer(),
    activeAt: Type.Union([Type.Integer(), Type.Null()], { description: 'Last use, written behind in batches.' }),
    revokedAt: NullableInteger,
    leakedAt: NullableInteger,
    leakedUrl: NullableString,
    parentId: NullableString,
    rotatedFromId: NullableString,
  },

);

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
});

export const TokenPage = pageOf(TokenView);

export const UpdateTokenBody = Type.Object(
  {
    name: Type.Optional(Name),
    scopes: Type.Optional(Scopes),
    expiresAt: Type.Optional(Type.Union([Millis, Type.Null()])),
    metadata: Type.Optional(Metadata),
    ipAllowlist: Type.Optional(IpAllowlist),
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

export const TokenResponse = Type.Object({ token: TokenView });

const VerifyFields = {
  scopes: Type.Optional(Scopes),
  resource: Type.Optional(ResourceRef),
  environment: Type.Optional(Environment),
  project: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  ip: Type.Optional(Type.String({ maxLength: 45, description: "The end client's address, for IP allowlists; defaults to the caller's." })),
};

export const VerifyBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 512 }), ...VerifyFields },
  { additionalProperties: false },
);

export const VerifyResult = Type.Object({
  valid: Type.Boolean(),
  code: Type.Enum(VERIFY_CODES),
  token: Type.Optional(TokenView),
});

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
