import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { formatCredits } from '../../core/credits.js';
import { AppError, type ErrorCode } from '../../core/errors.js';
import type { VerifyCode } from '../../core/verify.js';
import type { Services } from '../../service/services.js';
import type { Presenter, RateLimitState, Verification } from '../../service/verify-service.js';
import { PUBLIC } from '../call-context.js';
import { classifyError } from '../error-handler.js';
import { VERIFICATION } from '../logger.js';
import { FORWARD_AUTH_RESPONSES, ForwardAuthQuery } from '../schemas/forward-auth-schemas.js';
import { verifyOptions } from '../verify-answer.js';

const tags = ['forward-auth'];

/** Every method a gateway asks with: nginx and Envoy send the client's own, Traefik and Caddy GET. */
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** How many scopes one request may require, all `scopes` parameters together (a token grants at most 100). */
const MAX_SCOPES = 100;

/** Credits do not come back by waiting (a refill aside): this only tells a client not to retry at once. */
const USAGE_EXCEEDED_RETRY_AFTER_S = 60;

/** A refusal: its status, the native code in the body, and what a person reads. */
const REFUSALS: Record<Exclude<VerifyCode, 'VALID'> | 'MISSING_KEY' | 'AMBIGUOUS_KEY', { code: ErrorCode; message: string }> = {
  MISSING_KEY: { code: 'UNAUTHORIZED', message: 'no key: send it as Authorization: Bearer <key> or X-Api-Key' },
  AMBIGUOUS_KEY: { code: 'UNAUTHORIZED', message: 'send the key in one header, once' },
  NOT_FOUND: { code: 'UNAUTHORIZED', message: 'unknown key' },
  REVOKED: { code: 'UNAUTHORIZED', message: 'the key is revoked' },
  DISABLED: { code: 'UNAUTHORIZED', message: 'the key is suspended' },
  EXPIRED: { code: 'UNAUTHORIZED', message: 'the key has expired or is not valid yet' },
  INSUFFICIENT_PERMISSIONS: { code: 'FORBIDDEN', message: 'the key lacks a scope, resource, environment or project this upstream requires' },
  FORBIDDEN: { code: 'FORBIDDEN', message: "the client's address is not on the key's allowlist" },
  RATE_LIMITED: { code: 'RATE_LIMITED', message: 'a rate limit of the key is used up' },
  USAGE_EXCEEDED: { code: 'RATE_LIMITED', message: 'the key has no credits left' },
};

/**
 * One endpoint for nginx `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth` and Envoy's
 * HTTP `ext_authz` (docs/gateways.md). The key comes from the request's headers; what this
 * upstream requires of it (scopes, cost, …) only from the query string of `/v1/forward-auth`,
 * which the operator writes into the gateway's configuration. Under `/v1/forward-auth/*` (Envoy's
 * `path_prefix`, which appends the client's path and query) nothing is read from the URL: the
 * client wrote it. The forwarded method, host and URI are never requirements, and never logged.
 * 2xx passes, with who the key is in headers for the upstream; 401, 403 and 429 refuse.
 */
export function forwardAuthRoutes(services: Pick<Services, 'verify' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    ignoreBodies(app);
    // Errors keep the native shape (the parent's handler writes it), and say their code in a header too.
    app.setErrorHandler((error, _request, reply) => {
      reply.header('x-tessera-code', classifyError(error as Error).code);
      throw error;
    });

    const answer = async (request: FastifyRequest, reply: FastifyReply, query: ForwardAuthQuery) => {
      const key = presentedKey(request, query.keyHeader);
      if (key === undefined) return refuse(reply, request, 'MISSING_KEY');
      if (key === AMBIGUOUS) return refuse(reply, request, 'AMBIGUOUS_KEY');
      const options = verifyOptions(requirementsOf(query), request.ip);
      const peer = request.socket.remoteAddress;
      // The guard counts the gateway and, apart from it, the end client it speaks for.
      const from: Presenter = peer === undefined || peer === request.ip ? { caller: request.ip } : { caller: peer, client: request.ip };
      const result = await services.verify.verifyPresented(key, options, from);
      return result.valid ? pass(reply, result, services.clock.now()) : refuse(reply, request, result.code, result, services.clock.now());
    };

    const base = { method: METHODS, exposeHeadRoute: false, config: VERIFICATION } as const;
    app.route({
      ...base,
      url: '/v1/forward-auth',
      schema: {
        tags,
        security: PUBLIC,
        summary: "Gateway forward-auth: is the request's key good for what this URL's query requires?",
        querystring: ForwardAuthQuery,
        response: FORWARD_AUTH_RESPONSES,
      },
      handler: (request, reply) => answer(request, reply, request.query as ForwardAuthQuery),
    });
    app.route({
      ...base,
      url: '/v1/forward-auth/*',
      schema: {
        tags,
        security: PUBLIC,
        summary: "Envoy's path_prefix form: the original path follows; its query is the client's, so nothing is required but a good key",
        response: FORWARD_AUTH_RESPONSES,
      },
      handler: (request, reply) => answer(request, reply, {}),
    });
  };
}

/**
 * Bodies are not read here, whatever their type (Envoy may send the client's): drained, never
 * parsed. Only in this plugin's scope; the rest of the app takes JSON alone.
 */
function ignoreBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume();
    done(null, undefined);
  });
}

const AMBIGUOUS = Symbol('ambiguous');

/**
 * The key: `Authorization: Bearer`, else `X-Api-Key`, else the header the operator named. A header
 * sent twice is refused (as a bad key, which gateways pass on as such): which copy a gateway or an
 * upstream reads is not ours to guess.
 */
function presentedKey(request: FastifyRequest, keyHeader: string | undefined): string | undefined | typeof AMBIGUOUS {
  const names = ['authorization', 'x-api-key', ...(keyHeader ? [keyHeader.toLowerCase()] : [])];
  const seen = new Set<string>();
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!names.includes(name)) continue;
    if (seen.has(name)) return AMBIGUOUS;
    seen.add(name);
  }
  const bearer = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  if (bearer) return bearer[1];
  for (const name of names.slice(1)) {
    const value = request.headers[name];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** The query's requirements in the shape POST /v1/verify takes them. */
function requirementsOf(query: ForwardAuthQuery) {
  const fields: Parameters<typeof verifyOptions>[0] = {};
  if (query.scopes !== undefined) {
    const scopes = query.scopes.flatMap((list) => list.split(/[\s,]+/).filter(Boolean));
    if (scopes.length > MAX_SCOPES) throw new AppError('VALIDATION_ERROR', `querystring.scopes names more than ${MAX_SCOPES} scopes`);
    fields.scopes = scopes;
  }
  if (query.cost !== undefined) fields.cost = query.cost;
  if (query.resource !== undefined) {
    const colon = query.resource.indexOf(':');
    fields.resource = { kind: query.resource.slice(0, colon), id: query.resource.slice(colon + 1) };
  }
  if (query.environment !== undefined) fields.environment = query.environment;
  if (query.project !== undefined) fields.project = query.project;
  if (query.rateLimit !== undefined) fields.rateLimits = query.rateLimit.map(rateLimitOf);
  if (query.tag !== undefined) fields.tags = query.tag;
  return fields;
}

/** `name` or `name:cost`; a name may hold colons itself, so only a last part of digits is a cost. */
function rateLimitOf(text: string): { name: string; cost?: number } {
  const [, name, cost] = /^(.+?)(?::(\d+))?$/.exec(text)!;
  if (name!.length > 64) throw new AppError('VALIDATION_ERROR', 'querystring.rateLimit names a limit longer than 64 characters');
  if (cost === undefined) return { name: name! };
  if (cost.length > 10 || Number(cost) > 1_000_000_000) throw new AppError('VALIDATION_ERROR', 'querystring.rateLimit costs at most 1000000000');
  return { name: name!, cost: Number(cost) };
}

function pass(reply: FastifyReply, result: Verification, now: number): FastifyReply {
  const token = result.token!;
  reply
    .header('x-tessera-token-id', token.id)
    .header('x-tessera-owner', token.ownerUserId)
    // Always sent, empty when there is nothing to say: a gateway that copies a header replaces the
    // client's copy only when the answer has one, and Caddy 2.6 hands the upstream its placeholder's
    // name (`{http.reverse_proxy.header.…}`) for a header the answer lacks.
    .header('x-tessera-team', token.teamId ?? '')
    .header('x-tessera-scopes', token.scopes.join(' '))
    .header('x-tessera-remaining', result.remaining === undefined ? '' : formatCredits(result.remaining));
  if (result.rateLimit) reply.headers(rateLimitHeaders(result.rateLimit, now));
  return reply.code(200).send();
}

function refuse(reply: FastifyReply, request: FastifyRequest, why: keyof typeof REFUSALS, result?: Verification, now = 0): FastifyReply {
  const { code, message } = REFUSALS[why];
  reply.header('x-tessera-code', why);
  // RFC 6750 §3.1: a request with no credential gets no error code, a bad credential `invalid_token`.
  if (code === 'UNAUTHORIZED')
    reply.header('www-authenticate', why === 'MISSING_KEY' ? 'Bearer realm="tessera"' : 'Bearer realm="tessera", error="invalid_token"');
  if (why === 'USAGE_EXCEEDED') reply.header('retry-after', String(USAGE_EXCEEDED_RETRY_AFTER_S));
  if (result?.rateLimit) {
    reply.headers(rateLimitHeaders(result.rateLimit, now));
    const wait = result.rateLimit.retryAfterMs;
    if (why === 'RATE_LIMITED' && Number.isFinite(wait)) reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
  }
  const status = code === 'UNAUTHORIZED' ? 401 : code === 'FORBIDDEN' ? 403 : 429;
  return reply
    .code(status)
    .type('application/json')
    .send({ error: { code, message, requestId: request.id } });
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), as the rest of the API sends them. */
function rateLimitHeaders(limit: RateLimitState, now: number): Record<string, string> {
  return {
    'ratelimit-limit': String(limit.limit),
    'ratelimit-remaining': String(limit.remaining),
    'ratelimit-reset': String(Math.max(0, Math.ceil((limit.resetAt - now) / 1000))),
  };
}
