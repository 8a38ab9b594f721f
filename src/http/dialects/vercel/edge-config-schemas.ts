import { Type } from 'typebox';

export const EdgeConfigParams = Type.Object({ edgeConfigId: Type.String({ minLength: 1, maxLength: 64 }) });
export const EdgeConfigTokenParams = Type.Object({
  edgeConfigId: Type.String({ minLength: 1, maxLength: 64 }),
  token: Type.String({ minLength: 1, maxLength: 128 }),
});
export const EdgeConfigItemParams = Type.Object({
  edgeConfigId: Type.String({ minLength: 1, maxLength: 64 }),
  key: Type.String({ minLength: 1, maxLength: 256 }),
});

export const CreateEdgeConfigBody = Type.Object({
  slug: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  items: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export const EdgeConfigView = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  ownerId: Type.String(),
  digest: Type.String(),
  itemCount: Type.Number(),
  sizeInBytes: Type.Number(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

export const PatchItemsBody = Type.Object({
  items: Type.Array(
    Type.Object({
      operation: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('upsert'), Type.Literal('delete')]),
      key: Type.String({ minLength: 1, maxLength: 256 }),
      value: Type.Optional(Type.Unknown()),
    }),
    { minItems: 1, maxItems: 1000 },
  ),
});

/** Vercel's create-token body: a label of at most 52 characters and nothing else. */
export const CreateEdgeConfigTokenBody = Type.Object({ label: Type.String({ minLength: 1, maxLength: 52 }) }, { additionalProperties: false });

export const EdgeConfigTokenCreated = Type.Object({ token: Type.String(), id: Type.String() });

export const EdgeConfigTokenView = Type.Object({
  createdAt: Type.Number(),
  edgeConfigId: Type.String(),
  id: Type.String(),
  label: Type.String(),
  partialToken: Type.String({ description: 'The secret is never shown again: its prefix and last four characters' }),
});

export const DeleteEdgeConfigTokensBody = Type.Object({
  tokens: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 100 })),
  ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
});
