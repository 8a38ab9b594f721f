import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { clientCredentialsOf } from '../../service/client-credentials.js';
import type { Services } from '../../service/services.js';
import type { Verification } from '../../service/verify-service.js';
import { oauthClient, PUBLIC } from '../call-context.js';
import { acceptFormBodies } from '../oauth/form-body.js';
import { VERIFICATION } from '../logger.js';
import { issuerOf } from '../oauth/issuer.js';
import { setOAuthErrorShape } from '../oauth/oauth-errors.js';
import {
  AuthorizationServerMetadata,
  IntrospectBody,
  IntrospectionResponse,
  OAuthErrorResponse,
  RevokeBody,
  RevokeResponse,
} from '../schemas/oauth-schemas.js';

const tags = ['oauth'];
const FORM = ['application/x-www-form-urlencoded'];

export interface OAuthRouteOptions {
  /** TESSERA_PUBLIC_URL: the issuer every node names; each request's own address when not given. */
  publicUrl?: string | undefined;
}

/**
 * tessera's tokens as an OAuth authorization server's opaque tokens, for gateways that speak OAuth
 * (docs/oauth.md): RFC 7662 introspection, RFC 7009 revocation and RFC 8414 metadata. Form bodies
 * and OAuth's error shape, in this plugin's scope only.
 */
export function oauthRoutes(services: Pick<Services, 'oauthIntrospection'>, options: OAuthRouteOptions = {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    acceptFormBodies(app);
    setOAuthErrorShape(app);

    app.post(
      '/oauth/introspect',
      {
        // A gateway introspects once per request of its own: logged one by one at debug, like /v1/verify.
        config: VERIFICATION,
        schema: {
          tags,
          security: oauthClient('oauth:introspect'),
          summary: 'RFC 7662: is this token active, and what is it?',
          description:
            "The caller is a personal token with `oauth:introspect`, as a bearer token or as Basic client credentials (client_id: the token's id). " +
            "The token is verified as POST /v1/verify verifies it with no requirements, at the caller's address: its rate limits are spent, no credits charged. " +
            'Anything but a valid tessera token (a JWT from /oauth/token included) is {"active": false}.',
          consumes: FORM,
          body: IntrospectBody,
          response: { 200: IntrospectionResponse, 400: OAuthErrorResponse, 401: OAuthErrorResponse, 403: OAuthErrorResponse, 429: OAuthErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await services.oauthIntrospection.introspect(request.body.token, { ip: request.ip, requestId: request.id });
        reply.header('cache-control', 'no-store');
        return introspection(result, issuerOf(request, options.publicUrl));
      },
    );

    app.post(
      '/oauth/revoke',
      {
        schema: {
          tags,
          // The bearer scope names what a client needs to revoke tokens it manages; the token itself needs nothing.
          security: oauthClient('tokens:write', true),
          summary: 'RFC 7009: revoke this token, if the caller may',
          description:
            'Without client credentials (or with the token itself as the credential), the token presents itself and is revoked: holding a secret is the right to end it. ' +
            'With client credentials (a personal token, Bearer or Basic), the token is revoked only if that client may revoke it by POST /v1/tokens/{id}/revoke. ' +
            'Always 200 with an empty body, except 400 (no token) and 401 (client credentials given but bad): nothing tells whether a token existed or was revoked.',
          consumes: FORM,
          body: RevokeBody,
          response: { 200: RevokeResponse, 400: OAuthErrorResponse, 401: OAuthErrorResponse, 429: OAuthErrorResponse },
        },
      },
      async (request, reply) => {
        const credentials = clientCredentialsOf(request.headers.authorization);
        await services.oauthIntrospection.revoke(request.body.token, credentials, { ip: request.ip, requestId: request.id });
        // No payload at all: `null` would be written as the text null.
        return (reply as FastifyReply).code(200).header('cache-control', 'no-store').send();
      },
    );

    app.get(
      '/.well-known/oauth-authorization-server',
      {
        schema: {
          tags,
          security: PUBLIC,
          summary: 'RFC 8414: where the OAuth endpoints are and what they take',
          response: { 200: AuthorizationServerMetadata },
        },
      },
      async (request) => metadata(issuerOf(request, options.publicUrl)),
    );
  };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** RFC 7662 §2.2: a valid token as a gateway wants it; anything else exactly `{active: false}`. */
function introspection(result: Verification, issuer: string): IntrospectionResponse {
  const token = result.token;
  if (!result.valid || !token) return { active: false };
  const answer: IntrospectionResponse = {
    active: true,
    scope: token.scopes.join(' '),
    client_id: token.id,
    sub: token.id,
    iat: seconds(token.createdAt),
    iss: issuer,
    token_type: 'Bearer',
    tessera_token_type: token.type,
    name: token.name,
    owner: token.ownerUserId,
  };
  // A rotated token lives until its grace period ends: that is its end too.
  const ends = [token.expiresAt, token.revokedAt].filter((at): at is number => at !== null);
  if (ends.length > 0) answer.exp = seconds(Math.min(...ends));
  if (token.teamId !== null) answer.team = token.teamId;
  return answer;
}

function metadata(issuer: string): AuthorizationServerMetadata {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    // The subject token (the API key) is the exchange's credential: no client authenticates.
    token_endpoint_auth_methods_supported: ['none'],
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
    revocation_endpoint: `${issuer}/oauth/revoke`,
    // `none`: a token revokes itself without client credentials.
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange'],
    // No authorization endpoint: nothing is issued through a browser.
    response_types_supported: [],
    service_documentation: `${issuer}/docs`,
  };
}
