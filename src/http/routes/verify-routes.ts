import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { VerifyRequirements } from '../../core/verify.js';
import type { Services } from '../../service/services.js';
import type { VerifyResult as VerifyOutcome } from '../../service/verify-service.js';
import { ErrorResponse } from '../schemas/common.js';
import { VerifyBatchBody, VerifyBatchResult, VerifyBody, VerifyResult } from '../schemas/token-schemas.js';
import { tokenView } from '../views.js';

const tags = ['verify'];
// Public: the OpenAPI document must not demand the bearer credential here.
const security: Array<Record<string, string[]>> = [];

/** Verification needs no credential: holding the token is the proof. */
export function verifyRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    const view = (outcome: VerifyOutcome) => {
      const { token, ...decision } = outcome;
      return token ? { ...decision, token: tokenView(token, services.runtime.now()) } : decision;
    };

    app.post(
      '/v1/verify',
      {
        schema: {
          tags,
          security,
          summary: 'Is this token good for these requirements?',
          body: VerifyBody,
          response: { 200: VerifyResult, 400: ErrorResponse },
        },
      },
      async (request) => {
        const { token, ...required } = request.body;
        return view(await services.verify.verify(token, { ip: request.ip, ...required }));
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
          response: { 200: VerifyBatchResult, 400: ErrorResponse },
        },
      },
      async (request) => {
        const { tokens, ...shared } = request.body;
        const defaults: VerifyRequirements = { ip: request.ip, ...shared };
        const results = await Promise.all(
          tokens.map((item) => {
            if (typeof item === 'string') return services.verify.verify(item, defaults);
            const { token, ...own } = item;
            return services.verify.verify(token, { ip: request.ip, ...own });
          }),
        );
        return { results: results.map(view) };
      },
    );
  };
}
