import { Type } from 'typebox';
import { UNLEASH_TOKEN_TYPES } from '../../../core/unleash-edge-token.js';

/** Unleash's edgeEnvironmentProjectsListSchema. */
export const EdgeIssueBody = Type.Object({
  tokens: Type.Array(
    Type.Object({
      environment: Type.String({ minLength: 1, maxLength: 100, description: 'The name of an existing environment' }),
      projects: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 100,
        description: "The list of projects Edge wants access to, or '*' for a wildcard token",
      }),
    }),
    { maxItems: 100 },
  ),
});

/** Unleash's edgeTokenSchema. */
const EdgeToken = Type.Object({
  projects: Type.Array(Type.String()),
  environment: Type.String(),
  type: Type.Enum(UNLEASH_TOKEN_TYPES),
  token: Type.String(),
});

/** Unleash's validatedEdgeTokensSchema. */
export const EdgeTokens = Type.Object({ tokens: Type.Array(EdgeToken) });

export const EdgeValidateBody = Type.Object({ tokens: Type.Array(Type.String({ maxLength: 512 }), { maxItems: 1000 }) });

/** Unleash's error body. */
export const UnleashError = Type.Object({ id: Type.String(), name: Type.String(), message: Type.String() });
