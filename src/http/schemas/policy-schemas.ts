import { Type } from 'typebox';
import { TOKEN_TYPES } from '../../core/token.js';
import { SCOPE_PATTERN } from '../../core/scopes.js';
import { NullableInteger, NullableString } from './common.js';

const Days = Type.Integer({ minimum: 1, maximum: 36_500, description: 'Whole days.' });

const MaxLifetime = Type.Object(
  { api: Type.Optional(Days), personal: Type.Optional(Days), resource: Type.Optional(Days) },
  {
    additionalProperties: false,
    description: 'The longest a token of each type may live, in days from its creation (or rotation); a token of a listed type must then have an expiry.',
  },
);

/** One level's rules; the same shape is written (PUT) and read (GET). Every field is optional: an absent one is no rule. */
export const LifecyclePolicy = Type.Object(
  {
    maxLifetime: Type.Optional(MaxLifetime),
    expiryRequired: Type.Optional(
      Type.Array(Type.Enum(TOKEN_TYPES), { uniqueItems: true, maxItems: TOKEN_TYPES.length, description: 'Token types that must have an expiry (expiresAt).' }),
    ),
    inactivityDays: Type.Optional({ ...Days, description: 'Tokens unused this many days (last verified or used, else created) are revoked by the sweep.' }),
    inactivityWarningDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 36_499,
        description: 'Days before that revocation the `token.inactive` event warns of it; fewer than inactivityDays; 7 (or inactivityDays − 1) when not given.',
      }),
    ),
    allowedScopes: Type.Optional(
      Type.Array(Type.String({ pattern: SCOPE_PATTERN, maxLength: 129 }), {
        maxItems: 200,
        description: 'Scope patterns (`documents:*`, `*`): every scope of a token must be covered by one. Leave out `*` to forbid all-powerful tokens.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PolicyResponse = Type.Object({
  level: Type.Enum(['installation', 'team'] as const),
  teamId: NullableString,
  policy: LifecyclePolicy,
  effective: Type.Optional({ ...LifecyclePolicy, description: "A team's policy and the installation's as one: the stricter of each rule." }),
  updatedAt: NullableInteger,
  updatedBy: { ...NullableString, description: 'The user who set it last.' },
});
