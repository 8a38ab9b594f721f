import { Type, type TSchema } from 'typebox';
import { ERROR_CODES } from '../../core/errors.js';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.Enum(ERROR_CODES),
      message: Type.String(),
      requestId: Type.String(),
    }),
  },
  { description: 'Every native error has this shape; `code` is stable, `message` is for people.' },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 64, description: 'The `nextCursor` of the previous page.' })),
};

/** Acting for a team: the caller must belong to it. */
export const TeamQuery = {
  teamId: Type.Optional(Type.String({ maxLength: 64 })),
  slug: Type.Optional(Type.String({ maxLength: 64 })),
};

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);

export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: NullableString });
}

/** The error responses every authenticated route can give, for OpenAPI. */
export const authErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
};

/** Routes that act at most once per key: a retry with the same key gets the first answer again for 24 h. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Send the same key when you retry, so the request acts once.' }),
  ),
});
