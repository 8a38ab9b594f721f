import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { idempotencyHooks, presentedTokenScope } from '../idempotency.js';
import { ErrorResponse, IdempotencyHeaders } from '../schemas/common.js';
import { VerifyBatchBody, VerifyBatchResult, VerifyBody, VerifyResult } from '../schemas/token-schemas.js';
import { answerVerify, verifyOptions, verifyView } from '../verify-answer.js';

const tags = ['verify'];

/** What `POST /v1/verify` answers, by status; its fast path (verify-fast-path.ts) serializes with these too. */
export const VERIFY_RESPONSES = { 200: VerifyResult, 400: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse, 429: ErrorResponse };
// Public: the OpenAPI document must not demand the bearer credential here.
const security: Array<Record<string, string[]>> = [];

/** Verification needs no credential: holding the token is the proof. */
export function verifyRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/verify',
      {
        schema: {
          tags,
          security,
          summary: 'Is this token good for these requirements?',
          body: VerifyBody,
          headers: IdempotencyHeaders,
          response: VERIFY_RESPONSES,
        },
        // With an Idempotency-Key, a retried charge is answered again instead of charged twice.
        ...idempotencyHooks(services, { scope: presentedTokenScope }),
      },
      async (request) => answerVerify(services, request.body, request.ip),
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
        services.guard.check(address, services.runtime.now());
        const defaults = verifyOptions(shared, request.ip);
        // Every item is read before any is verified, so a bad one charges nothing.
        const calls = tokens.map((item) => {
          if (typeof item === 'string') return { token: item, options: defaults };
          const { token, ...own } = item;
          return { token, options: verifyOptions(own, request.ip) };
        });
        const results = await Promise.all(calls.map((call) => services.verify.verify(call.token, call.options)));
        for (const result of results) services.metrics.countVerify(result.code);
        for (const result of results) if (result.code === 'NOT_FOUND') services.guard.fail(address, services.runtime.now());
        const now = services.runtime.now();
        return { results: results.map((result) => verifyView(result, now)) };
      },
    );
  };
}
