import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';
import { Jwks } from '../schemas/token-exchange-schemas.js';

/**
 * How long a verifier may cache the key set: short, so a rotation is cheap to wait for. A rotated-in
 * key is published at once and signs only after the signing keys' refresh (30 s, every node has
 * it) plus this (every cache that honours HTTP has fetched it), so such a verifier never meets a
 * JWT whose key it was not offered (signing-keys-command.ts). Gateways with a cache time of their
 * own are told in docs/oauth-jwt.md to keep it within this.
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
