import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatCredits } from '../../core/credits.js';
import type { CreditPool } from '../../store/credit-store.js';
import type { Services } from '../../service/services.js';
import { callContext, requires } from '../call-context.js';
import { creditsInput } from '../credit-input.js';
import { idempotencyHooks, principalScope } from '../idempotency.js';
import { authErrors, ErrorResponse, IdempotencyHeaders, IdParams } from '../schemas/common.js';
import { CreditOpBody, OwnerParams, PoolView, TokenCreditsResponse } from '../schemas/credit-schemas.js';
import { tokenView } from '../views.js';

const tags = ['credits'];

const poolView = (pool: CreditPool) => ({ ...pool, credits: formatCredits(pool.credits) });

/** Balances of tokens and shared pools (management API). */
export function creditRoutes(services: Pick<Services, 'credits' | 'idempotency' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    // An `add` retried after a lost answer must not add twice.
    const idempotent = idempotencyHooks(services.idempotency, { scope: principalScope });

    app.post(
      '/v1/tokens/:id/credits',
      {
        schema: {
          tags,
          security: requires('credits:write'),
          summary: "Add to or set a token's balance",
          params: IdParams,
          body: CreditOpBody,
          headers: IdempotencyHeaders,
          response: { 200: TokenCreditsResponse, ...authErrors, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
        },
        ...idempotent,
      },
      async (request) => {
        const { op, amount } = request.body;
        const token = await services.credits.adjustToken(callContext(request), request.params.id, op, creditsInput(amount, 'amount'));
        return { credits: formatCredits(token.credits ?? 0n), token: tokenView(token, services.clock.now()) };
      },
    );

    app.get(
      '/v1/credit-pools/:ownerId',
      {
        schema: {
          tags,
          security: requires('credits:read'),
          summary: "A user's or team's shared pool, drawn on by its tokens made with `creditPool: true`",
          params: OwnerParams,
          response: { 200: PoolView, ...authErrors, 404: ErrorResponse },
        },
      },
      async (request) => poolView(await services.credits.pool(callContext(request), request.params.ownerId)),
    );

    app.post(
      '/v1/credit-pools/:ownerId/credits',
      {
        schema: {
          tags,
          security: requires('credits:write'),
          summary: "Add to or set a user's or team's shared pool (made on first use)",
          params: OwnerParams,
          body: CreditOpBody,
          headers: IdempotencyHeaders,
          response: { 200: PoolView, ...authErrors, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse },
        },
        ...idempotent,
      },
      async (request) => {
        const { op, amount } = request.body;
        return poolView(await services.credits.adjustPool(callContext(request), request.params.ownerId, op, creditsInput(amount, 'amount')));
      },
    );
  };
}
