import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';
import { Jwks } from '../schemas/token-exchange-schemas.js';

/**
 * How long a verifier may cache the key set. A rotation's new key signs on each node within the
 * signing keys' refresh (30 s) of the rotation; a minute here bounds how long after that a cache
 * that honours HTTP still lacks it. Verifiers that refetch on an unknown kid (jose, the SDK) do so
 * at once; gateways with a fixed cache time of their own are told in docs/oauth-jwt.md.
 */
export const JWKS_MAX_AGE_SECONDS = 60;

/** `GET /.well-known/jwks.json`: the public keys that verify the JWTs of POST /oauth/token (RFC 7517). */
export function jwksRoutes(services: Pick<Services, 'signingKeys'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['oauth'],
          security: PUBLIC,
          summary: 'The public keys that verify the JWTs from /oauth/token: the current one and the retired ones whose JWTs may be unexpired',
          response: { 200: Jwks },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
        return { keys: await services.signingKeys.published() };
      },
    );
  };
}
