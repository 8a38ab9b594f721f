import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../../core/errors.js';
import type { EdgeCaller } from '../../../service/unleash-edge-token-service.js';
import type { Services } from '../../../service/services.js';
import { callContext, PUBLIC, requires } from '../../call-context.js';
import { VERIFICATION } from '../../logger.js';
import { setErrorShape } from '../../error-handler.js';
import { EdgeIssueBody, EdgeTokens, EdgeValidateBody, UnleashError } from './unleash-schemas.js';

/** Unleash names its error kinds; these are the names its clients see for each status. */
const ERROR_NAMES: Partial<Record<ErrorCode, string>> = {
  VALIDATION_ERROR: 'BadDataError',
  INVALID_JSON: 'BadDataError',
  UNAUTHORIZED: 'AuthenticationRequired',
  FORBIDDEN: 'NoAccessError',
  CONFLICT: 'NameExistsError',
  BODY_TOO_LARGE: 'ContentTooLargeError',
  UNSUPPORTED_MEDIA_TYPE: 'ContentTypeError',
};

const tags = ['unleash'];
const errors = { 400: UnleashError, 401: UnleashError, 403: UnleashError, 413: UnleashError, 415: UnleashError };

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Unleash Edge's token API: `POST /edge/issue-token` (get-or-create client tokens, for an
 * admin token or an HMAC-signed Edge client) and `POST /edge/validate`.
 */
export function unleashRoutes(services: Pick<Services, 'edgeAuth' | 'edgeTokens'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    setErrorShape(app, ({ code, message }) => ({ id: randomUUID(), name: ERROR_NAMES[code] ?? 'UnknownError', message }));

    /** Signed requests are checked after parsing, since the signature covers the body as sent. */
    async function caller(request: FastifyRequest): Promise<EdgeCaller> {
      const authorization = header(request, 'authorization') ?? '';
      if (authorization.startsWith('HMAC ')) {
        const edgeClientId = await services.edgeAuth.authenticate({
          method: request.method,
          path: request.url.split('?')[0]!,
          authorization,
          timestamp: header(request, 'x-timestamp'),
          nonce: header(request, 'x-nonce'),
          contentSha256: header(request, 'content-sha256'),
          body: request.rawBody ?? '',
        });
        return { edgeClientId, ip: request.ip, requestId: request.id };
      }
      // Anything else was authenticated as a personal token before the body was read (its route's security).
      return { ctx: callContext(request) };
    }

    app.post(
      '/edge/issue-token',
      {
        schema: {
          tags,
          security: requires('tokens:write', { unleashEdgeHmac: [] }),
          summary: 'Unleash: get or create client tokens for environment/projects pairs',
          body: EdgeIssueBody,
          response: { 200: EdgeTokens, ...errors },
        },
      },
      async (request) => ({ tokens: await services.edgeTokens.issue(await caller(request), request.body.tokens) }),
    );

    app.post(
      '/edge/validate',
      {
        config: VERIFICATION,
        schema: {
          tags,
          security: PUBLIC,
          summary: 'Unleash: which of these tokens are valid',
          body: EdgeValidateBody,
          response: { 200: EdgeTokens, 400: UnleashError, 413: UnleashError, 415: UnleashError },
        },
      },
      async (request) => ({ tokens: await services.edgeTokens.validate(request.body.tokens, request.ip) }),
    );
  };
}
