import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { TokenType } from '../../core/token.js';
import type { Services } from '../../service/services.js';
import { callContext, requires, teamRefOf } from '../call-context.js';
import { creditsInput, refillInput } from '../credit-input.js';
import { idempotencyHooks, principalScope, type IdempotencyClaim } from '../idempotency.js';
import { optionalBody } from '../json-body.js';
import { authErrors, ErrorResponse, IdempotencyHeaders, IdParams, TeamQuery } from '../schemas/common.js';
import {
  CreateTokenBody,
  DisableTokenBody,
  IssuedTokenResponse,
  ListTokensQuery,
  RotateTokenBody,
  TokenPage,
  TokenResponse,
  UpdateTokenBody,
} from '../schemas/token-schemas.js';
import { tokenView } from '../views.js';

const tags = ['tokens'];

export function tokenRoutes(services: Pick<Services, 'tokens' | 'idempotency' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const now = () => services.clock.now();
    // A replayed creation answers the same secret: derived again from the key, never stored.
    const secretMaterialOf = (claim: IdempotencyClaim) => `${claim.scope}\n${claim.key}\n${claim.createdAt}`;
    const idempotentCreate = idempotencyHooks(services.idempotency, {
      scope: principalScope,
      redact: ({ secret: _secret, ...rest }) => rest,
      restore: (body, claim) => {
        const type = (body.token as { type: TokenType }).type;
        return { ...body, secret: services.tokens.derivedSecret(type, secretMaterialOf(claim)) };
      },
    });

    app.post(
      '/v1/tokens',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Create a token; its secret is in this response and never again',
          querystring: Type.Object(TeamQuery),
          body: CreateTokenBody,
          headers: IdempotencyHeaders,
          response: { 201: IssuedTokenResponse, ...authErrors, 409: ErrorResponse, 422: ErrorResponse },
        },
        ...idempotentCreate,
      },
      async (request, reply) => {
        const { teamId, credits, refill, ...input } = request.body;
        const team = teamRefOf(teamId ? { teamId } : request.query);
        const { token, secret } = await services.tokens.create(callContext(request), {
          ...input,
          team,
          ...(request.idempotency ? { secretMaterial: secretMaterialOf(request.idempotency) } : {}),
          ...(credits !== undefined ? { credits: creditsInput(credits, 'credits') } : {}),
          ...(refill !== undefined ? { refill: refillInput(refill) } : {}),
        });
        return reply.code(201).send({ token: tokenView(token, now()), secret });
      },
    );

    app.get(
      '/v1/tokens',
      {
        schema: {
          tags,
          security: requires('tokens:read'),
          summary: "List your tokens, or a team's with ?teamId= or ?slug=; ?q= finds names by their start",
          querystring: ListTokensQuery,
          response: { 200: TokenPage, ...authErrors },
        },
      },
      async (request) => {
        const { teamId, slug, limit = 50, q, ...filters } = request.query;
        const page = await services.tokens.list(callContext(request), {
          ...filters,
          ...(q ? { namePrefix: q } : {}),
          limit,
          team: teamRefOf({ teamId, slug }),
        });
        return { items: page.items.map((t) => tokenView(t, now())), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/v1/tokens/:id',
      {
        schema: {
          tags,
          security: requires('tokens:read'),
          summary: 'Read a token',
          params: IdParams,
          response: { 200: TokenResponse, ...authErrors, 404: ErrorResponse },
        },
      },
      async (request) => ({ token: tokenView(await services.tokens.get(callContext(request), request.params.id), now()) }),
    );

    app.patch(
      '/v1/tokens/:id',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: "Change a token's name, scopes, expiry, metadata or IP allowlist",
          params: IdParams,
          body: UpdateTokenBody,
          response: { 200: TokenResponse, ...authErrors, 404: ErrorResponse },
        },
      },
      async (request) => {
        const { refill, ...patch } = request.body;
        const token = await services.tokens.update(callContext(request), request.params.id, {
          ...patch,
          ...(refill !== undefined ? { refill: refillInput(refill) } : {}),
        });
        return { token: tokenView(token, now()) };
      },
    );

    app.post(
      '/v1/tokens/:id/revoke',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Revoke a token at once (idempotent)',
          params: IdParams,
          response: { 200: TokenResponse, ...authErrors, 404: ErrorResponse },
        },
      },
      async (request) => ({ token: tokenView(await services.tokens.revoke(callContext(request), request.params.id), now()) }),
    );

    app.post(
      '/v1/tokens/:id/disable',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Suspend a token: it answers DISABLED everywhere until enabled (idempotent; not a revocation)',
          params: IdParams,
          body: DisableTokenBody,
          response: { 200: TokenResponse, ...authErrors, 404: ErrorResponse },
        },
        preValidation: optionalBody,
      },
      async (request) => {
        const { reason } = request.body;
        const token = await services.tokens.disable(callContext(request), request.params.id, reason === undefined ? {} : { reason });
        return { token: tokenView(token, now()) };
      },
    );

    app.post(
      '/v1/tokens/:id/enable',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Resume a suspended token (idempotent); a revoked token stays revoked',
          params: IdParams,
          response: { 200: TokenResponse, ...authErrors, 404: ErrorResponse },
        },
      },
      async (request) => ({ token: tokenView(await services.tokens.enable(callContext(request), request.params.id), now()) }),
    );

    app.post(
      '/v1/tokens/:id/rotate',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Issue a new secret for a token; the old one verifies until the grace period ends',
          params: IdParams,
          body: RotateTokenBody,
          response: { 201: IssuedTokenResponse, ...authErrors, 404: ErrorResponse, 409: ErrorResponse },
        },
        // Every field is optional, so a bare POST without a body is a rotation with defaults.
        preValidation: optionalBody,
      },
      async (request, reply) => {
        const { token, secret } = await services.tokens.rotate(callContext(request), request.params.id, request.body);
        return reply.code(201).send({ token: tokenView(token, now()), secret });
      },
    );

    app.delete(
      '/v1/tokens/:id',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Delete a token and forget it',
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted' }), ...authErrors, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        await services.tokens.delete(callContext(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
