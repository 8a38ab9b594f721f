import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { TOKEN_TYPE_ACCESS_TOKEN, TOKEN_TYPE_JWT } from '../../service/token-exchange-service.js';
import { PUBLIC } from '../call-context.js';
import { VERIFICATION } from '../logger.js';
import { acceptFormBodies } from '../oauth/form-body.js';
import { issuerOf } from '../oauth/issuer.js';
import { OAuthError, setOAuthErrorShape } from '../oauth/oauth-errors.js';
import { OAuthErrorResponse } from '../schemas/oauth-schemas.js';
import { GRANT_TYPE_TOKEN_EXCHANGE, TokenExchangeBody, TokenExchangeResult } from '../schemas/token-exchange-schemas.js';

/** RFC 6749 §3.2: a parameter sent without a value is treated as if it were omitted. */
const given = (value: string | undefined) => (value === '' ? undefined : value);

/**
 * `POST /oauth/token`, RFC 8693 token exchange: an API key in, a short-lived JWT out. Public: the
 * key is the credential. Form bodies and OAuth's error shape hold in this route's scope only.
 */
export function tokenExchangeRoutes(services: Pick<Services, 'tokenExchange'>, options: { publicUrl?: string | undefined } = {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    acceptFormBodies(app);
    setOAuthErrorShape(app);
    app.post(
      '/oauth/token',
      {
        // An exchange is a verification: logged at debug, counted in the metrics (ADR 7).
        config: VERIFICATION,
        schema: {
          tags: ['oauth'],
          security: PUBLIC,
          summary: 'Exchange an API key for a short-lived JWT (RFC 8693)',
          consumes: ['application/x-www-form-urlencoded'],
          body: TokenExchangeBody,
          response: { 200: TokenExchangeResult, 400: OAuthErrorResponse, 413: OAuthErrorResponse, 415: OAuthErrorResponse, 429: OAuthErrorResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        if (body.grant_type !== GRANT_TYPE_TOKEN_EXCHANGE) {
          throw new OAuthError('unsupported_grant_type', `grant_type must be ${GRANT_TYPE_TOKEN_EXCHANGE}`);
        }
        if (body.subject_token_type !== TOKEN_TYPE_ACCESS_TOKEN) {
          throw new OAuthError('invalid_request', `subject_token_type must be ${TOKEN_TYPE_ACCESS_TOKEN}: the subject_token is a tessera API key`);
        }
        const requested = given(body.requested_token_type);
        if (requested !== undefined && requested !== TOKEN_TYPE_JWT && requested !== TOKEN_TYPE_ACCESS_TOKEN) {
          throw new OAuthError('invalid_request', `requested_token_type must be ${TOKEN_TYPE_JWT} or ${TOKEN_TYPE_ACCESS_TOKEN}`);
        }
        if (given(body.actor_token) !== undefined || given(body.actor_token_type) !== undefined) {
          throw new OAuthError('invalid_request', 'actor_token is not supported: tessera exchanges a key for a token of its own, never on behalf of another');
        }
        const outcome = await services.tokenExchange.exchange({
          subjectToken: body.subject_token,
          scope: given(body.scope),
          audience: given(body.audience),
          resource: given(body.resource),
          issuer: issuerOf(request, options.publicUrl),
          ip: request.ip,
        });
        if (!outcome.issued) throw new OAuthError(outcome.error, outcome.description);
        // RFC 6749 §5.1: an answer holding a token is never cached.
        reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
        return {
          access_token: outcome.accessToken,
          issued_token_type: TOKEN_TYPE_JWT,
          token_type: 'Bearer' as const,
          expires_in: outcome.expiresIn,
          scope: outcome.scope,
        };
      },
    );
  };
}
