import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { formatCredits } from '../../core/credits.js';
import type { Reservation } from '../../store/credit-store.js';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';
import { creditsInput } from '../credit-input.js';
import { idempotencyHooks, presentedTokenScope } from '../idempotency.js';
import { ErrorResponse, IdempotencyHeaders } from '../schemas/common.js';
import { CommitBody, ReservationParams, ReservationView, ReserveBody, ReserveResult } from '../schemas/credit-schemas.js';

const tags = ['credits'];
// Like verification, these need no credential: the token, then the reservation id, is the proof.
const security = PUBLIC;
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const reservationScope = (request: FastifyRequest) => `reservation:${(request.params as { reservationId: string }).reservationId}`;

function reservationView(r: Reservation) {
  return { ...r, amount: formatCredits(r.amount), committed: r.committed === null ? null : formatCredits(r.committed) };
}

/** Reservations for costs known only after the call: reserve, then commit what it cost or release it. */
export function reservationRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/credits/reserve',
      {
        schema: {
          tags,
          security,
          summary: 'Verify a token and hold credits from its balance until the call is settled',
          body: ReserveBody,
          headers: IdempotencyHeaders,
          response: { 200: ReserveResult, ...errors, 422: ErrorResponse },
        },
        ...idempotencyHooks(services, { scope: presentedTokenScope }),
      },
      async (request) => {
        const { token, amount, ttlMs, ip } = request.body;
        const result = await services.credits.reserve(token, creditsInput(amount, 'amount'), ttlMs, ip ?? request.ip);
        if (!result.valid) {
          return { valid: false, code: result.code, ...(result.remaining !== undefined ? { remaining: formatCredits(result.remaining) } : {}) };
        }
        return {
          valid: true,
          code: result.code,
          reservationId: result.reservation.id,
          expiresAt: result.reservation.expiresAt,
          remaining: formatCredits(result.remaining),
        };
      },
    );

    app.post(
      '/v1/credits/:reservationId/commit',
      {
        schema: {
          tags,
          security,
          summary: 'Keep what the call cost (at most what was reserved) and refund the rest',
          params: ReservationParams,
          body: CommitBody,
          headers: IdempotencyHeaders,
          response: { 200: ReservationView, ...errors, 422: ErrorResponse },
        },
        ...idempotencyHooks(services, { scope: reservationScope }),
      },
      async (request) =>
        reservationView(await services.credits.commit(request.params.reservationId, creditsInput(request.body.amount, 'amount'))),
    );

    app.post(
      '/v1/credits/:reservationId/release',
      {
        schema: {
          tags,
          security,
          summary: 'Refund the whole reservation',
          params: ReservationParams,
          headers: IdempotencyHeaders,
          response: { 200: ReservationView, ...errors, 422: ErrorResponse },
        },
        ...idempotencyHooks(services, { scope: reservationScope }),
      },
      async (request) => reservationView(await services.credits.release(request.params.reservationId)),
    );

    app.get(
      '/v1/credits/:reservationId',
      {
        schema: { tags, security, summary: 'A reservation and its state', params: ReservationParams, response: { 200: ReservationView, ...errors } },
      },
      async (request) => reservationView(await services.credits.reservation(request.params.reservationId)),
    );
  };
}
