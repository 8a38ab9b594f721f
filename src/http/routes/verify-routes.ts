import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';
import { VERIFICATION } from '../logger.js';
import { idempotencyHooks, presentedTokenScope } from '../idempotency.js';
import { ErrorResponse, IdempotencyHeaders } from '../schemas/common.js';
import { VERIFY_RESPONSES, VerifyBatchBody, VerifyBatchResult, VerifyBody } from '../schemas/verify-schemas.js';
import { answerVerify, verifyOptions, verifyView } from '../verify-answer.js';

const tags = ['verify'];

// Public: holding the token is the proof.
const security = PUBLIC;

/** Verification needs no credential: holding the token is the proof. */
export function verifyRoutes(services: Pick<Services, 'verify' | 'idempotency' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/verify',
      {
        config: VERIFICATION,
        schema: {
          tags,
          security,
          summary: 'Is this token good for these requirements?',
          body: VerifyBody,
          headers: IdempotencyHeaders,
          response: VERIFY_RESPONSES,
        },
        // With an Idempotency-Key, a retried charge is answered again instead of charged twice;
        // never a VALID kept from before the token was revoked or expired.
        ...idempotencyHooks(services.idempotency, {
          scope: presentedTokenScope,
          stillHolds: async (kept, request) => {
            const { token, ...requirements } = request.body as VerifyBody;
            return kept.valid !== true || (await services.verify.check(token, verifyOptions(requirements, request.ip))).valid;
          },
        }),
      },
      async (request) => answerVerify(services, request.body, request.ip),
    );

    app.post(
      '/v1/verify/batch',
      {
        config: VERIFICATION,
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
        const from = shared.ip === undefined ? { caller: request.ip } : { caller: request.ip, client: shared.ip };
        const defaults = verifyOptions(shared, request.ip);
        // Every item is read before any is verified, so a bad one charges nothing.
        const calls = tokens.map((item) => {
          if (typeof item === 'string') return { secret: item, options: defaults };
          const { token, ...own } = item;
          return { secret: token, options: verifyOptions(own, request.ip) };
        });
        const results = await services.verify.verifyAllPresented(calls, from);
        const now = services.clock.now();
        return { results: results.map((result) => verifyView(result, now)) };
      },
    );
  };
}
