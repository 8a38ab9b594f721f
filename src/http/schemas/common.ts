import { Type, type Static, type TSchema, type TSchemaOptions, type TUnsafe } from 'typebox';
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

/**
 * `schema` or null, written as a type list (`type: ['string', 'null']`) rather than an anyOf
 * with a null branch. Both admit the same values, but the response serializer
 * (fast-json-stringify) writes a type list inline, while for an anyOf it first checks the
 * value against each branch: with a dozen such fields, that was most of the cost of writing a
 * token out.
 */
export function orNull<T extends TSchema & { type: string }>(schema: T, options: TSchemaOptions = {}): TUnsafe<Static<T> | null> {
  return Type.Unsafe<Static<T> | null>({ ...schema, ...options, type: [schema.type, 'null'] });
}

export const NullableInteger = orNull(Type.Integer());
export const NullableString = orNull(Type.String());

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
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Send the same key when you retry, so the request acts once.' })),
});
