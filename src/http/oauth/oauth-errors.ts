import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { httpStatusOf, type ErrorCode } from '../../core/errors.js';
import { classifyError, errorHeaders } from '../error-handler.js';

/** The error codes of RFC 6749 §5.2, RFC 7009 §2.2.1 and RFC 8693 §2.2.2. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_token_type'
  | 'temporarily_unavailable'
  | 'server_error';

/** A refusal in OAuth's own terms, for what tessera's error codes have no name for (an unknown grant type, say). */
export class OAuthError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
    readonly status = error === 'invalid_client' ? 401 : 400,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

/** tessera's error codes as OAuth's; the HTTP status stays the one the code has everywhere else. */
function oauthCodeOf(code: ErrorCode): OAuthErrorCode {
  switch (code) {
    case 'UNAUTHORIZED':
      return 'invalid_client';
    case 'FORBIDDEN':
      return 'unauthorized_client';
    case 'RATE_LIMITED':
    case 'UNAVAILABLE':
      return 'temporarily_unavailable';
    case 'INTERNAL_ERROR':
    case 'IDEMPOTENCY_OUTCOME_UNKNOWN':
      return 'server_error';
    default:
      return 'invalid_request';
  }
}

function sendOAuthError(reply: FastifyReply, status: number, error: OAuthErrorCode, description: string): FastifyReply {
  // RFC 6749 §5.1–5.2: answers of these endpoints are never cached.
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (status === 401) reply.header('www-authenticate', 'Basic realm="tessera", Bearer realm="tessera"');
  return reply.code(status).type('application/json').send({ error, error_description: description });
}

/** Every error of the routes in `app`'s scope as RFC 6749 writes them: `{error, error_description}`. */
export function setOAuthErrorShape(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | OAuthError, request, reply) => {
    reply.header('x-request-id', request.id);
    if (thrown instanceof OAuthError) return sendOAuthError(reply, thrown.status, thrown.error, thrown.message);
    const { code, message } = classifyError(thrown);
    reply.headers(errorHeaders(thrown));
    if (code === 'INTERNAL_ERROR') request.log.error({ err: thrown }, 'unhandled error');
    return sendOAuthError(reply, httpStatusOf(code), oauthCodeOf(code), message);
  });
}
