import { Type, type Static } from 'typebox';
import { GRANULARITIES, GROUP_BYS, MAX_BUCKETS, MAX_SERIES, TAG_PATTERN } from '../../core/analytics.js';
import { VERIFY_CODES } from '../../core/verify.js';

/** Epoch milliseconds, from 1970 to the year 2286. */
const Millis = Type.Integer({ minimum: 0, maximum: 9_999_999_999_999 });

export const VerificationsQuery = Type.Object(
  {
    from: Type.Optional({ ...Millis, description: 'Start of the window, epoch ms (rounded down to a bucket); 24 h before `to` when not given.' }),
    to: Type.Optional({ ...Millis, description: 'End of the window, epoch ms, exclusive; now (included) when not given.' }),
    granularity: Type.Optional(
      Type.Enum(GRANULARITIES, {
        description: `Bucket size; by default minute up to 6 h, hour up to 31 days, else day. At most ${MAX_BUCKETS} buckets in a window.`,
      }),
    ),
    groupBy: Type.Optional(Type.Enum(GROUP_BYS, { description: 'One series per outcome (default), per token or per tag.' })),
    tokenId: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: MAX_SERIES,
        description: `Only these tokens; repeatable, up to ${MAX_SERIES} (404 when you may not read one).`,
      }),
    ),
    ownerUserId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only tokens of this owner (among those you may read).' })),
    teamId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Only this team's tokens (403 when you are not in it)." })),
    outcome: Type.Optional(Type.Array(Type.Enum(VERIFY_CODES), { maxItems: VERIFY_CODES.length, description: 'Only these outcomes; repeatable.' })),
    tag: Type.Optional(Type.String({ pattern: TAG_PATTERN, minLength: 1, maxLength: 64, description: 'Only verifications with this tag.' })),
  },
  { additionalProperties: false },
);
export type VerificationsQuery = Static<typeof VerificationsQuery>;

const SeriesKey = Type.Union([
  Type.Object({ outcome: Type.Enum(VERIFY_CODES) }, { additionalProperties: false }),
  Type.Object(
    { tokenId: Type.Union([Type.String(), Type.Null()], { description: 'null: verifications that named no token (NOT_FOUND), shown to admins only.' }) },
    { additionalProperties: false },
  ),
  Type.Object({ tag: Type.String() }, { additionalProperties: false }),
]);

export const VerificationSeries = Type.Object({
  granularity: Type.Enum(GRANULARITIES),
  from: Type.Integer({ description: 'The window’s start, on a bucket boundary.' }),
  to: Type.Integer(),
  series: Type.Array(
    Type.Object({
      key: SeriesKey,
      total: Type.Integer(),
      points: Type.Array(
        Type.Object({
          t: Type.Integer({ description: 'The bucket’s start, epoch ms.' }),
          count: Type.Integer(),
          credits: Type.String({ description: 'Credits the VALID verifications in the bucket spent, as a decimal.' }),
        }),
        { description: 'Only buckets with counts, oldest first.' },
      ),
    }),
    { maxItems: MAX_SERIES, description: `Busiest first, at most ${MAX_SERIES}.` },
  ),
});
export type VerificationSeries = Static<typeof VerificationSeries>;
