// @tessera/sdk/fastify: a Fastify (4 and 5) preHandler hook that lets through only requests with a good key.
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { createGuard, type GuardOptions, type Verified } from './guard.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key's answer, set by `tessera()`; undefined when `onError` let a request through unverified. */
    tessera?: Verified;
  }
}

export type TesseraOptions = GuardOptions<FastifyRequest>;

/**
 * `app.get('/docs', { preHandler: tessera({ verifier, scopes: ['docs:read'] }) }, handler)`, or for
 * every route of a scope `app.addHook('preHandler', tessera({ verifier }))`: verifies the key of each
 * request and sets `request.tessera`, or answers 401, 402, 403, 429 or 503 with problem+json. The
 * client's address is `request.ip`, which follows Fastify's `trustProxy` setting.
 */
export function tessera(options: TesseraOptions): preHandlerAsyncHookHandler {
  const guard = createGuard<FastifyRequest>(options, {
    key: (request) => ({
      header: (name) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      },
      query: (name) => {
        const value = (request.query as Record<string, unknown> | undefined)?.[name];
        return typeof value === 'string' ? value : undefined;
      },
    }),
    ip: (request) => request.ip,
  });
  return async function tesseraPreHandler(request: FastifyRequest, reply: FastifyReply) {
    const outcome = await guard(request);
    if (!outcome.pass) {
      const { status, headers, body } = outcome.refusal;
      return reply.code(status).headers(headers).type('application/problem+json').send(JSON.stringify(body));
    }
    reply.headers(outcome.headers);
    request.tessera = outcome.verified;
  };
}

export type { Verified };
