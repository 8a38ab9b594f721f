import { Type } from 'typebox';
import { ErrorResponse, NullableString, TeamQuery } from './common.js';
import { VERIFY_CODES } from '../../core/verify.js';
import { TokenView } from './token-schemas.js';
import { Tags } from './verify-schemas.js';

/** A change log number, as text in a query string or a header. */
const SEQ_MAX = Number.MAX_SAFE_INTEGER;

export const VerifierChangesQuery = Type.Object({
  ...TeamQuery,
  after: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: SEQ_MAX,
      description: "Resume after this change (a snapshot's `seq`); the `Last-Event-ID` header wins when both are sent. Neither: from the latest, no backlog.",
    }),
  ),
});

export const VerifierChangesHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'The id of the last event received: the stream resumes after it.' })),
});

export const VerifierSnapshotQuery = Type.Object({
  ...TeamQuery,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  cursor: Type.Optional(Type.String({ maxLength: 64, description: 'The `nextCursor` of the previous page.' })),
});

export const VerifierSnapshot = Type.Object({
  seq: Type.Integer({
    minimum: 0,
    description: "The change log's latest number, read before the tokens: stream changes after the first page's `seq` and none is missed.",
  }),
  items: Type.Array(
    Type.Object({
      digest: Type.String({ description: "The base64url SHA-256 digest of the token's secret: what a verifier looks a presented token up by." }),
      token: TokenView,
    }),
  ),
  nextCursor: NullableString,
});

const EVENT_STREAM_DESCRIPTION = [
  'Server-Sent Events, one change a block:',
  '`id: <seq>` / `event: change` / `data: {"seq":n,"digest":"<base64url SHA-256>","at":ms}`;',
  'after the backlog `event: ready` (`data: {"seq":n}`); `event: reset` (`data: {"seq":n}`) when the number asked for is',
  'no longer in the log (drop everything, take a new snapshot; the stream goes on after n); `event: stale` before the',
  'node ends the stream because it may be missing changes; a `: ping` comment every 15 s (it may carry `id: <seq>`).',
  'See docs/sdk.md.',
].join(' ');

export const VerifierChangesResponses = {
  200: { description: EVENT_STREAM_DESCRIPTION, content: { 'text/event-stream': { schema: Type.String() } } },
  503: { ...ErrorResponse, description: 'This node is not hearing of every change now (its change feed is down): ask another node, or retry.' },
};

/** The most counts one report may carry (and the body stays within 100 kB): a verifier sends more in several. */
export const MAX_REPORTED_COUNTS = 1000;

export const VerifierUsageBody = Type.Object(
  {
    counts: Type.Array(
      Type.Object(
        {
          tokenId: Type.String({ minLength: 1, maxLength: 64 }),
          minute: Type.Integer({
            minimum: 0,
            maximum: SEQ_MAX,
            multipleOf: 60_000,
            description: 'The start of the minute (ms since the epoch) the verifications were in.',
          }),
          outcome: Type.Union(VERIFY_CODES.map((code) => Type.Literal(code))),
          count: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
          tags: Type.Optional(Tags),
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_REPORTED_COUNTS },
    ),
  },
  { additionalProperties: false },
);

export const VerifierUsageResult = Type.Object({
  accepted: Type.Integer({ minimum: 0, description: 'Verifications counted.' }),
  ignored: Type.Integer({
    minimum: 0,
    description: 'Verifications not counted: of tokens this verifier may not hold (or gone), or of minutes more than a day old.',
  }),
});
