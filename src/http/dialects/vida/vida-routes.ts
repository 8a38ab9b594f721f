import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TokenRecord } from '../../../core/token.js';
import type { Services } from '../../../service/services.js';
import { callContext, requires } from '../../call-context.js';
import { setErrorShape } from '../../error-handler.js';
import { VidaCreateTokenBody, VidaCreateTokenResponse, VidaListResponse, VidaMessage, VidaTokenParams } from './vida-schemas.js';

const tags = ['vida'];
const errors = { 400: VidaMessage, 401: VidaMessage, 403: VidaMessage, 404: VidaMessage };

/** Vida keeps numbers of users and seconds as text; tessera keeps ids and milliseconds. */
function vidaFields(token: TokenRecord, userId: number) {
  return { description: token.name, type: 'admin', timestamp: String(Math.floor(token.createdAt / 1000)), userId };
}

/**
 * Vida's token API (`/api/v2/tokens`): admin tokens are tessera personal tokens of the
 * caller. The caller authenticates with `?token=` (or an Authorization header).
 */
export function vidaRoutes(services: Pick<Services, 'tokens' | 'verify'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    setErrorShape(app, ({ message }) => ({ success: false, message }));

    app.post(
      '/api/v2/tokens',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Vida: create an admin token',
          body: VidaCreateTokenBody,
          response: { 200: VidaCreateTokenResponse, ...errors },
        },
      },
      async (request) => {
        const ctx = callContext(request);
        const { token, secret } = await services.tokens.create(ctx, {
          name: request.body.description,
          type: 'personal',
          origin: 'vida',
        });
        return {
          success: true,
          message: 'Token created successfully',
          token: { token: secret, ...vidaFields(token, ctx.principal.user.numId) },
        };
      },
    );

    app.get(
      '/api/v2/tokens',
      { schema: { tags, security: requires('tokens:read'), summary: "Vida: list the caller's admin tokens", response: { 200: VidaListResponse, ...errors } } },
      async (request) => {
        const ctx = callContext(request);
        const tokens = await services.tokens.listAll(ctx, { type: 'personal', status: 'active' });
        const userId = ctx.principal.user.numId;
        return { success: true, tokens: tokens.map((t) => ({ id: t.id, suffix: t.suffix, ...vidaFields(t, userId) })) };
      },
    );

    app.delete(
      '/api/v2/tokens/:token',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Vida: delete a token, named by its secret or its id',
          params: VidaTokenParams,
          response: { 200: VidaMessage, ...errors },
        },
      },
      async (request) => {
        const ctx = callContext(request);
        const named = await services.verify.lookupPresented(request.params.token, request.ip);
        await services.tokens.delete(ctx, named?.id ?? request.params.token);
        return { success: true, message: 'Token deleted successfully' };
      },
    );
  };
}
