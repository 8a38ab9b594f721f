import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatCredits } from '../../core/credits.js';
import type { Services } from '../../service/services.js';
import type { VerifyOptions, VerifyResult as VerifyOutcome } from '../../service/verify-service.js';
import { creditsInput } from '../credit-input.js';
import { idempotencyHooks, presentedTokenScope } from '../idempotency.js';
import { ErrorResponse, IdempotencyHeaders } from '../schemas/common.js';
import { VerifyBatchBody, VerifyBatchResult, VerifyBody, VerifyResult } from '../schemas/token-schemas.js';
import { cachedTokenView } from '../views.js';

const tags = ['verify'];
// Public: the OpenAPI document must not demand the bearer credential here.
const security: Array<Record<string, string[]>> = [];

/** Verification needs no credential: holding the token is the proof. */
export function verifyRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    const view = (outcome: VerifyOutcome) => {
      const { token, remaining, rateLimit, ...decision } = outcome;
      return {
        ...decision,
        ...(token ? { token: cachedTokenView(token, services.runtime.now()) } : {}),
        ...(remaining !== undefined ? { remaining: formatCredits(remaining) } : {}),
        ...(rateLimit ? { rateLimit: { name: rateLimit.name, limit: rateLimit.limit, remaining: rateLimit.remaining, resetAt: rateLimit.resetAt } } : {}),
      };
    };
    const options = <T extends { cost?: string }>({ cost, ...rest }: T) => ({
      ...rest,
      ...(cost !== undefined ? { cost: creditsInput(cost, 'cost') } : {}),
    });

    app.post(
      '/v1/verify',
      {
        schema: {
          tags,
          security,
          summary: 'Is this token good for these requirements?',
          body: VerifyBody,
          headers: IdempotencyHeaders,
          response: { 200: VerifyResult, 400: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse },
        },
        // With an Idempotency-Key, a retried charge is answered again instead of charged twice.
        ...idempotencyHooks(services, { scope: presentedTokenScope }),
      },
      async (request) => {
        const { token, ...required } = request.body;
        // The end client's address when the caller names it: the calling API itself is not the guesser.
        const address = required.ip ?? request.ip;
        await services.guard.check(address, services.runtime.now());
        const result = await services.verify.verify(token, { ip: request.ip, ...options(required) });
        services.metrics.countVerify(result.code);
        if (result.code === 'NOT_FOUND') await services.guard.fail(address, services.runtime.now());
        return view(result);
      },
    );

    app.post(
      '/v1/verify/batch',
      {
        schema: {
          tags,
          security,
          summary: 'Verify up to 1,000 tokens in one call; results are in request order',
          body: VerifyBatchBody,
          response: { 200: VerifyBatchResult, 400: ErrorResponse, 429: ErrorResponse },
        },
      },
      async (request) => {
        const { tokens, ...shared } = request.body;
        const address = shared.ip ?? request.ip;
        await services.guard.check(address, services.runtime.now());
        const defaults: VerifyOptions = { ip: request.ip, ...options(shared) };
        // Every item is read before any is verified, so a bad one charges nothing.
        const calls = tokens.map((item) => {
          if (typeof item === 'string') return { token: item, options: defaults };
          const { token, ...own } = item;
          return { token, options: { ip: request.ip, ...options(own) } };
        });
        const results = await Promise.all(calls.map((call) => services.verify.verify(call.token, call.options)));
        for (const result of results) services.metrics.countVerify(result.code);
        for (const result of results) if (result.code === 'NOT_FOUND') await services.guard.fail(address, services.runtime.now());
        return { results: results.map(view) };
      },
    );
  };
}
