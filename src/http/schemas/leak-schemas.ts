import { Type } from 'typebox';
import { LEAK_ACTIONS } from '../../core/leak-policy.js';
import { NullableInteger, NullableString } from './common.js';

const HTTP_URL = '^https?://[^\\s]+$';

/** What GitHub's secret scanning posts: one entry per match it found in public code. */
export const GithubScanningBody = Type.Array(
  // Open to fields GitHub may add later: a signed report is read, never refused for what it adds.
  Type.Object({
    token: Type.String({ minLength: 1, maxLength: 1024, description: 'The text that matched the pattern registered with GitHub.' }),
    type: Type.String({ maxLength: 200, description: 'The secret type registered with GitHub, e.g. `tessera_api_key`.' }),
    url: Type.Optional(Type.String({ maxLength: 4096, description: 'Where GitHub found it.' })),
    source: Type.Optional(Type.String({ maxLength: 100, description: 'content, commit, pull_request_comment, gist, npm, …' })),
  }),
  { maxItems: 1000 },
);

export const GithubScanningHeaders = Type.Object({
  'github-public-key-identifier': Type.Optional(Type.String({ maxLength: 256, description: "Which of GitHub's published keys signed the body." })),
  'github-public-key-signature': Type.Optional(Type.String({ maxLength: 1024, description: 'ECDSA P-256 over SHA-256 of the body as sent, DER, base64.' })),
});

export const GithubFeedback = Type.Array(
  Type.Object({
    token_hash: Type.String({ description: 'SHA-256 of the token text, hex: the token is never repeated back.' }),
    token_type: Type.String(),
    label: Type.Union([Type.Literal('true_positive'), Type.Literal('false_positive')], {
      description: 'true_positive: a secret tessera issued (acted on by its leak policy); false_positive: anything else.',
    }),
  }),
);

export const GitlabTokenTypes = Type.Object({ types: Type.Array(Type.String()) });

export const GitlabRevokeBody = Type.Array(
  Type.Object({
    type: Type.String({ maxLength: 200, description: 'One of GET …/revocable_token_types.' }),
    token: Type.String({ minLength: 1, maxLength: 1024 }),
    location: Type.Optional(Type.String({ maxLength: 4096, description: 'Where GitLab found it.' })),
  }),
  { maxItems: 1000 },
);

export const LeakReportBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 1024, description: 'The key you found.' }),
    url: Type.Optional(Type.String({ maxLength: 2048, pattern: HTTP_URL, description: 'Where you found it (http or https).' })),
    note: Type.Optional(Type.String({ maxLength: 2000, description: "Anything the key's owner should know; kept in their audit log." })),
  },
  { additionalProperties: false },
);

export const LeakReportResponse = Type.Object({
  received: Type.Literal(true, { description: 'Always true: the answer never says whether the key exists.' }),
});

export const LeakPolicyBody = Type.Object(
  {
    action: Type.Enum(LEAK_ACTIONS, {
      description:
        'revoke: refused at once; disable: suspended; notify: keeps working, only marked and announced; rotate: a successor, the leaked secret works for gracePeriodMs.',
    }),
    gracePeriodMs: Type.Optional(orNullInteger()),
  },
  { additionalProperties: false },
);

function orNullInteger() {
  return Type.Union([Type.Integer({ minimum: 0, maximum: 30 * 24 * 3_600_000 }), Type.Null()], {
    description: 'rotate only: how long the leaked secret keeps working (ms, at most 30 days).',
  });
}

export const LeakPolicyResponse = Type.Object({
  teamId: NullableString,
  action: Type.Enum(LEAK_ACTIONS),
  gracePeriodMs: NullableInteger,
  inherited: Type.Boolean({ description: 'True when no policy of its own was set and the default applies.' }),
  updatedAt: NullableInteger,
  updatedBy: NullableString,
});
