import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, httpStatusOf, type ErrorCode, type RateLimitHint } from '../core/errors.js';

/** Fastify's own failures, by its error code, as tessera codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'VALIDATION_ERROR',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_ERROR',
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string };
}

/** Maps any thrown error to a code and a message a caller may read; never leaks internals. */
export function classifyError(error: FastifyError | Error): { code: ErrorCode; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return { code: 'VALIDATION_ERROR', message: validationMessage(fastifyError) };
  const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (mapped) return { code: mapped, message: fastifyError.message };
  // Nothing else is the request's fault: a SyntaxError or a statusCode of 400 from anywhere else
  // (BigInt() of a stored value, say) is a failure of ours, answered 500 and logged.
  if (fastifyError.statusCode === 413) return { code: 'BODY_TOO_LARGE', message: 'the body is larger than 100 kB' };
  if (fastifyError.statusCode === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' };
  return { code: 'INTERNAL_ERROR', message: 'internal error' };
}

function validationMessage(error: FastifyError): string {
  const first = error.validation![0]!;
  const params = first.params as Record<string, unknown>;
  const extra = params.missingProperty ?? params.additionalProperty;
  const path = [error.validationContext ?? 'body', ...first.instancePath.split('/').filter(Boolean)];
  if (extra !== undefined) path.push(String(extra));
  const field = path.join('.');
  if (params.additionalProperty !== undefined) return `${field} is not a known property`;
  if (params.missingProperty !== undefined) return `${field} is required`;
  return `${field} ${first.message ?? 'is invalid'}`;
}

/** How an API writes an error body: the native shape, or a vendor's. */
export type ErrorFormatter = (error: { code: ErrorCode; message: string; requestId: string }) => unknown;

export const nativeError: ErrorFormatter = (error): ErrorBody => ({ error });

export function sendError(reply: FastifyReply, request: FastifyRequest, code: ErrorCode, message: string, format: ErrorFormatter = nativeError): FastifyReply {
  const status = httpStatusOf(code);
  reply.header('x-request-id', request.id);
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="tessera"');
  return reply
    .code(status)
    .type('application/json')
    .send(format({ code, message, requestId: request.id }));
}

/**
 * `Retry-After` and the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Limit`, `RateLimit-Remaining`, and `RateLimit-Reset` in seconds from now.
 */
function rateLimitHeaders(limit: RateLimitHint): Record<string, string> {
  return {
    ...(Number.isFinite(limit.retryAfterMs) ? { 'retry-after': String(Math.max(1, Math.ceil(limit.retryAfterMs / 1000))) } : {}),
    'ratelimit-limit': String(limit.limit),
    'ratelimit-remaining': String(limit.remaining),
    'ratelimit-reset': String(Math.max(0, Math.ceil(limit.resetAfterMs / 1000))),
  };
}

/** The headers an error's answer carries besides its body's: a refusal's rate limit. */
export function errorHeaders(error: Error): Record<string, string> {
  return error instanceof AppError && error.rateLimit ? rateLimitHeaders(error.rateLimit) : {};
}

/** For Fastify's `frameworkErrors`: router failures (a malformed URL, an overlong path parameter) in the native shape. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { code, message } = classifyError(error);
  sendError(reply, request, code, message);
}

/** Every error of the routes in `app`'s scope in one shape; dialects pass their vendor's. */
export function setErrorShape(app: FastifyInstance, format: ErrorFormatter): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, message } = classifyError(error);
    reply.headers(errorHeaders(error));
    if (code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, request, code, message, format);
  });
}

/** Native error shape for every route of `app` and the 404 for unknown routes. */
export function installNativeErrors(app: FastifyInstance): void {
  setErrorShape(app, nativeError);
  app.setNotFoundHandler((request, reply) => sendError(reply, request, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}
