import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../../service/services.js';
import { callContext, requires, teamRefOf } from '../../call-context.js';
import { setErrorShape } from '../../error-handler.js';
import { vercelError } from './vercel-errors.js';
import {
  VercelCreateTokenBody,
  VercelCreateTokenResponse,
  VercelDeleteResponse,
  VercelError,
  VercelTeamQuery,
  VercelTokenList,
  VercelTokenParams,
  VercelTokenResponse,
} from './vercel-schemas.js';
import { vercelToken } from './vercel-token-view.js';

const tags = ['vercel'];
const errors = { 400: VercelError, 401: VercelError, 403: VercelError, 404: VercelError };

/** Vercel's personal auth tokens: tessera personal tokens of the caller, with origin `vercel`. */
export function vercelUserTokenRoutes(services: Pick<Services, 'tokens'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    setErrorShape(app, vercelError);

    app.post(
      '/v3/user/tokens',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Vercel: create an auth token; bearerToken is shown once',
          querystring: VercelTeamQuery,
          body: VercelCreateTokenBody,
          response: { 200: VercelCreateTokenResponse, ...errors },
        },
      },
      async (request) => {
        const { name, expiresAt } = request.body;
        const { token, secret } = await services.tokens.create(callContext(request), {
          name,
          type: 'personal',
          origin: 'vercel',
          expiresAt: expiresAt === undefined ? undefined : Math.floor(expiresAt),
          team: teamRefOf(request.query),
        });
        return { token: vercelToken(token), bearerToken: secret };
      },
    );

    app.get(
      '/v6/user/tokens',
      { schema: { tags, security: requires('tokens:read'), summary: "Vercel: list the caller's auth tokens", response: { 200: VercelTokenList, ...errors } } },
      async (request) => {
        const ctx = callContext(request);
        const tokens = await services.tokens.listAll(ctx, { type: 'personal' });
        return { tokens: tokens.map(vercelToken), pagination: { count: tokens.length, next: null, prev: null } };
      },
    );

    app.get(
      '/v5/user/tokens/:tokenId',
      {
        schema: {
          tags,
          security: requires('tokens:read'),
          summary: 'Vercel: read an auth token (`current` is the calling one)',
          params: VercelTokenParams,
          response: { 200: VercelTokenResponse, ...errors },
        },
      },
      async (request) => {
        const ctx = callContext(request);
        const id = request.params.tokenId === 'current' ? ctx.principal.token.id : request.params.tokenId;
        return { token: vercelToken(await services.tokens.get(ctx, id)) };
      },
    );

    app.delete(
      '/v3/user/tokens/:tokenId',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Vercel: delete an auth token (`current` is the calling one)',
          params: VercelTokenParams,
          response: { 200: VercelDeleteResponse, ...errors },
        },
      },
      async (request) => {
        const ctx = callContext(request);
        const id = request.params.tokenId === 'current' ? ctx.principal.token.id : request.params.tokenId;
        await services.tokens.delete(ctx, id);
        return { tokenId: id };
      },
    );
  };
}
