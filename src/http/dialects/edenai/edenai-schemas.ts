import { Type } from 'typebox';

/** Eden AI's own decimal pattern: up to 5 integer and 9 fraction digits. */
const EDEN_BALANCE_PATTERN = '^-?\\d{0,5}(?:\\.\\d{0,9})?$';

export const EdenTokenType = Type.Union([Type.Literal('sandbox_api_token'), Type.Literal('api_token')], {
  description: '`sandbox_api_token` (Sandbox) or `api_token` (Back)',
});

const Balance = Type.String({
  pattern: EDEN_BALANCE_PATTERN,
  description: 'Remaining credits; when `active_balance` is on and it reaches 0, the token stops working',
});
const ExpireTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** `POST /v2/user/custom_token/` as Eden AI's reference defines it (extra properties are not refused). */
export const EdenCreateTokenBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200, description: 'The token name' }),
  token_type: Type.Optional(EdenTokenType),
  balance: Type.Optional(Balance),
  expire_time: Type.Optional(ExpireTime),
  active_balance: Type.Optional(Type.Boolean({ description: 'Whether to use the balance field or not' })),
});

/** The reference's fields, plus the secret in `token` (its schema allows extra fields), shown only here. */
export const EdenCreatedToken = Type.Object({
  name: Type.String({ maxLength: 200 }),
  token_type: EdenTokenType,
  balance: Type.Optional(Type.String({ pattern: EDEN_BALANCE_PATTERN })),
  expire_time: ExpireTime,
  active_balance: Type.Boolean(),
  token: Type.String({ description: 'The secret: shown in this response only' }),
});

/** As Eden AI's retrieve answers it; `token` is null because tessera never keeps a secret. */
export const EdenToken = Type.Object({
  name: Type.String(),
  token: Type.Null({ description: 'Always null: the secret was shown once, at creation' }),
  token_type: EdenTokenType,
  balance: Type.Optional(Type.Number({ description: 'Left out when the token has no balance' })),
  active_balance: Type.Boolean(),
  expire_time: ExpireTime,
});

export const EdenTokenList = Type.Array(EdenToken);

/** `PATCH /v2/user/custom_token/{name}/`: Eden AI sends the balance as a number; a decimal string is taken too. */
export const EdenUpdateTokenBody = Type.Object({
  balance: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: -100000, exclusiveMaximum: 100000 }), Balance])),
  expire_time: Type.Optional(ExpireTime),
  active_balance: Type.Optional(Type.Boolean()),
});

export const EdenUpdatedToken = Type.Object({
  name: Type.String(),
  token_type: EdenTokenType,
  balance: Type.Optional(Type.Number()),
  expire_time: ExpireTime,
  active_balance: Type.Boolean(),
});

export const EdenTokenParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });

export const EdenError = Type.Object({ error: Type.Object({ type: Type.String(), message: Type.String() }) });
