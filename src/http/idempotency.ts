import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { IdempotencyService } from '../service/idempotency-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request claimed an Idempotency-Key: its answer is kept for replays. */
    idempotency: IdempotencyClaim | null;
  }
}

export interface IdempotencyClaim {
  scope: string;
  key: string;
  /** When the first request claimed the key: a key used again after it expired is a new claim. */
  createdAt: number;
}

export interface IdempotencyOptions {
  /** Whose keys these are: keys of different callers never meet. */
  scope(request: FastifyRequest): string;
  /** Takes out of an answer what must not be stored (a secret), before it is kept. */
  redact?(body: Record<string, unknown>): Record<string, unknown>;
  /**
   * Whether a kept answer still holds. When it does not (a verification kept as VALID, of a token
   * revoked since), the retry is answered afresh, and that answer is not kept.
   */
  stillHolds?(body: Record<string, unknown>, request: FastifyRequest): boolean | Promise<boolean>;
  /** Puts back, on a replay, what `redact` took out. */
  restore?(body: Record<string, unknown>, claim: IdempotencyClaim, request: FastifyRequest): Record<string, unknown>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The scope of a route any holder of a token may call: the token's digest, so callers cannot collide. */
export const presentedTokenScope = (request: FastifyRequest): string =>
  `token:${sha256(String((request.body as { token?: unknown } | undefined)?.token ?? ''))}`;

/** The scope of a management route: the calling token. */
export const principalScope = (request: FastifyRequest): string => `principal:${request.principal?.token.id ?? 'none'}`;

/**
 * Route hooks for `Idempotency-Key`: the first request with a key acts and its 2xx answer is
 * kept for 24 h; a retry with the same key and body gets that answer again (with
 * `Idempotent-Replayed: true`) instead of acting twice. The same key with another method, path,
 * query or body is 422; while the first is still running, 409. A refused first request (4xx) keeps
 * nothing, so a corrected retry acts: a refusal made no change a retry could make again.
 *
 * A first request that failed (5xx) keeps its key, and every retry with it is answered 500
 * IDEMPOTENCY_OUTCOME_UNKNOWN without running. A 5xx may come after the change committed: a
 * service writes, then publishes the change and records it in the audit log, and either may
 * fail (CreditService.adjustToken, TokenService.create). Releasing the key then would let the
 * retry make the change a second time; the HTTP layer cannot tell such a 5xx from one before any
 * write, so it treats every 5xx as possibly acted. The client reads the state and, to act again,
 * sends a new key. The services stay as they are: everywhere, a failed audit record fails the
 * request, as a security record's failure must not pass unnoticed.
 */
export function idempotencyHooks(idempotency: IdempotencyService, options: IdempotencyOptions) {
  return {
    async preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return undefined;
      if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
        throw new AppError('VALIDATION_ERROR', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
      }
      const scope = `${options.scope(request)} ${request.routeOptions.method} ${request.routeOptions.url}`;
      // The key names one request: the same key with another token's path, another query
      // (`?teamId=`) or another body is refused, never answered with the first one's answer.
      const requestHash = sha256(`${request.method} ${request.url}\n${request.rawBody ?? ''}`);
      const claim = await idempotency.claim(scope, key, requestHash);
      if (claim.claimed) {
        request.idempotency = { scope, key, createdAt: claim.createdAt };
        return undefined;
      }
      const { held } = claim;
      if (held.requestHash !== requestHash) {
        throw new AppError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with another request (path, query or body)');
      }
      if (held.status === null || held.body === null) {
        throw new AppError('CONFLICT', 'a request with this Idempotency-Key is still being answered; retry shortly');
      }
      if (held.status >= 500) {
        // An answer about the first request, not a fresh failure of this one.
        reply.header('idempotent-replayed', 'true');
        throw new AppError(
          'IDEMPOTENCY_OUTCOME_UNKNOWN',
          'the first request with this Idempotency-Key failed and may have acted before it failed, so it is not run again: read the current state, and send a new key to act again',
        );
      }
      const body = JSON.parse(held.body) as Record<string, unknown>;
      if (options.stillHolds && !(await options.stillHolds(body, request))) return undefined;
      return reply
        .code(held.status)
        .header('idempotent-replayed', 'true')
        .type('application/json')
        .send(options.restore ? options.restore(body, { scope, key, createdAt: held.createdAt }, request) : body);
    },

    async onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
      const claimed = request.idempotency;
      if (!claimed) return payload;
      request.idempotency = null;
      if (reply.statusCode >= 200 && reply.statusCode < 300 && typeof payload === 'string') {
        const body = JSON.parse(payload) as Record<string, unknown>;
        await idempotency.complete(claimed.scope, claimed.key, reply.statusCode, JSON.stringify(options.redact ? options.redact(body) : body));
      } else if (reply.statusCode >= 500) {
        // Kept, not released: the change may have committed before the failure (see above). Only
        // the status is read on a retry; the error body, which holds no secret, names the first request.
        await idempotency.complete(claimed.scope, claimed.key, reply.statusCode, typeof payload === 'string' ? payload : '{}');
      } else {
        await idempotency.release(claimed.scope, claimed.key);
      }
      return payload;
    },
  };
}
