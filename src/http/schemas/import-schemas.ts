import { Type } from 'typebox';
import { FOREIGN_KEY_MAX_LENGTH } from '../../core/foreign-key.js';
import { ErrorResponse } from './common.js';

/** At most this many keys to a batch: one transaction, answered at once. */
export const IMPORT_BATCH_MAX = 1000;

const Time = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 40 })], {
  description: 'Milliseconds since the epoch, or an ISO 8601 date-time.',
});

export const ImportedKeyBody = Type.Object(
  {
    key: Type.Optional(Type.String({ maxLength: FOREIGN_KEY_MAX_LENGTH, description: "The key's text: hashed here, never stored or answered." })),
    hash: Type.Optional(Type.String({ maxLength: 100, description: "The key's SHA-256: 64 hex digits, or base64/base64url." })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    owner: Type.Optional(Type.String({ maxLength: 200, description: 'A user id here owns it; anything else is kept in metadata.importedOwner.' })),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 130 }), { maxItems: 100 })),
    expiresAt: Type.Optional(Type.Union([Time, Type.Null()])),
    createdAt: Type.Optional(Type.Union([Time, Type.Null()])),
    environment: Type.Optional(Type.String({ maxLength: 100 })),
    projects: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 })),
    credits: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Whole credits left (Unkey: `remaining`).' })),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    prefix: Type.Optional(Type.String({ maxLength: 64 })),
    suffix: Type.Optional(Type.String({ maxLength: 16 })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ImportTokensBody = Type.Object(
  {
    keys: Type.Array(ImportedKeyBody, { minItems: 1, maxItems: IMPORT_BATCH_MAX }),
    dryRun: Type.Optional(Type.Boolean({ description: 'Check and decide everything, write nothing.' })),
    ownerUserId: Type.Optional(Type.String({ maxLength: 64, description: 'Whose the keys are unless a key names a user here; default: the caller.' })),
    teamId: Type.Optional(Type.String({ maxLength: 64, description: 'The team the keys belong to.' })),
  },
  { additionalProperties: false },
);

export const ImportTokensResponse = Type.Object({
  dryRun: Type.Boolean(),
  imported: Type.Integer(),
  skipped: Type.Integer(),
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      status: Type.Union([Type.Literal('imported'), Type.Literal('skipped')]),
      id: Type.String({ description: 'The new token, or the one that has this digest already.' }),
    }),
  ),
});

export const ImportRefusedResponse = Type.Object(
  {
    error: ErrorResponse.properties.error,
    refused: Type.Optional(Type.Array(Type.Object({ index: Type.Integer(), reason: Type.String() }))),
  },
  { description: 'Nothing was written: the batch had bad keys (`refused`, by index), or a bad field.' },
);
