import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { formatCredits } from '../../core/credits.js';
import { reservationKey } from '../../service/credit-service.js';
import type { Reservation } from '../../store/credit-store.js';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';
import { creditsInput } from '../credit-input.js';
import { idempotencyHooks, presentedTokenScope, type IdempotencyClaim } from '../idempotency.js';
import { ErrorResponse, IdempotencyHeaders } from '../schemas/common.js';
import { CommitBody, ReservationParams, ReservationView, ReserveBody, ReserveResult } from '../schemas/credit-schemas.js';

const tags = ['credits'];
// Like verification, these need no credential: the token, then the reservation id, is the proof.
const security = PUBLIC;
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const reservationIdOf = (request: FastifyRequest) => (request.params as { reservationId: string }).reservationId;
// The id is a bearer credential: idempotency records name the reservation by its digest.
const reservationScope = (request: FastifyRequest) => `reservation:${reservationKey(reservationIdOf(request))}`;

function reservationView(r: Reservation) {
  return { ...r, amount: formatCredits(r.amount), committed: r.committed === null ? null : formatCredits(r.committed) };
}

/** Reservations for costs known only after the call: reserve, then commit what it cost or release it. */
export function reservationRoutes(services: Pick<Services, 'credits' | 'idempotency'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    // A replayed reserve answers the same reservation id: derived again from the key, never stored.
    const idMaterialOf = (claim: IdempotencyClaim) => `${claim.scope}\n${claim.key}\n${claim.createdAt}`;
    const idempotentReserve = idempotencyHooks(services.idempotency, {
      scope: presentedTokenScope,
      redact: ({ reservationId: _reservationId, ...rest }) => rest,
      restore: (body, claim) =>
        // An answer kept before ids were redacted still holds its own, and a refusal has none.
        body.valid === true && body.reservationId === undefined ? { ...body, reservationId: services.credits.derivedReservationId(idMaterialOf(claim)) } : body,
    });
    // A settlement's answer shows the id; a replay comes by the same id (the scope is its digest).
    const idempotentSettle = idempotencyHooks(services.idempotency, {
      scope: reservationScope,
      redact: ({ id: _id, ...rest }) => rest,
      restore: (body, _claim, request) => ({ id: reservationIdOf(request), ...body }),
    });

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
        ...idempotentReserve,
      },
      async (request) => {
        const { token, amount, ttlMs, ip } = request.body;
        const idMaterial = request.idempotency ? idMaterialOf(request.idempotency) : undefined;
        const from = ip === undefined ? { caller: request.ip } : { caller: request.ip, client: ip };
        const result = await services.credits.reserve(token, creditsInput(amount, 'amount'), ttlMs, from, idMaterial);
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
        ...idempotentSettle,
      },
      async (request) => reservationView(await services.credits.commit(request.params.reservationId, creditsInput(request.body.amount, 'amount'))),
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
        ...idempotentSettle,
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
