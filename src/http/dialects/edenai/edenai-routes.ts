import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatCredits } from '../../../core/credits.js';
import { AppError } from '../../../core/errors.js';
import type { TokenRecord } from '../../../core/token.js';
import { isStorableTime } from '../../../core/token-input.js';
import type { CallContext } from '../../../service/principal.js';
import type { Services } from '../../../service/services.js';
import { callContext, requires } from '../../call-context.js';
import { creditsInput } from '../../credit-input.js';
import { setErrorShape } from '../../error-handler.js';
import {
  EdenCreatedToken,
  EdenCreateTokenBody,
  EdenError,
  EdenTokenList,
  EdenToken,
  EdenTokenParams,
  EdenUpdatedToken,
  EdenUpdateTokenBody,
} from './edenai-schemas.js';

const tags = ['edenai'];
const errors = { 400: EdenError, 401: EdenError, 403: EdenError, 404: EdenError };
const ORIGIN = 'edenai';
type EdenTokenType = 'sandbox_api_token' | 'api_token';

/** The token type is Eden AI's own label; tessera keeps it in the token's metadata. */
const tokenTypeOf = (token: TokenRecord): EdenTokenType => (token.metadata.token_type === 'sandbox_api_token' ? 'sandbox_api_token' : 'api_token');
const expireTime = (token: TokenRecord) => (token.expiresAt === null ? null : new Date(token.expiresAt).toISOString());
function edenToken(token: TokenRecord) {
  return {
    name: token.name,
    token: null,
    token_type: tokenTypeOf(token),
    // Eden AI answers reads with the balance as a JSON number.
    ...(token.credits !== null ? { balance: Number(formatCredits(token.credits)) } : {}),
    active_balance: token.creditsActive,
    expire_time: expireTime(token),
  };
}

/**
 * The schema's `date-time` admits times no Date holds (a leap second, `23:59:60Z`, parses to NaN)
 * and offsets that carry the last day of year 9999 past what a token may keep.
 */
function expiresAtInput(text: string | null): number | null {
  if (text === null) return null;
  const ms = Date.parse(text);
  if (!isStorableTime(ms)) throw new AppError('VALIDATION_ERROR', 'expire_time must be a time from 1970 to the end of 9999, without leap seconds');
  return ms;
}

/** A PATCH balance arrives as a JSON number: its nearest 9-place decimal, as Eden AI's own decimal column keeps it. */
function balanceInput(balance: number | string): bigint {
  return creditsInput(typeof balance === 'number' ? balance.toFixed(9) : balance, 'balance');
}

/**
 * Eden AI's custom tokens (`/v2/user/custom_token/`): `api` tokens of the caller, with origin
 * `edenai`, named uniquely per caller (the name is their address; the store enforces it). The
 * balance is the token's credits: with `active_balance` on, verifications charge it and stop at 0.
 */
export function edenaiRoutes(services: Pick<Services, 'tokens' | 'credits' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    setErrorShape(app, ({ code, message }) => ({ error: { type: code, message } }));

    const edenTokens = async (ctx: CallContext) => (await services.tokens.listAll(ctx, { type: 'api' })).filter((t) => t.origin === ORIGIN);
    const byName = async (ctx: CallContext, name: string) => {
      const token = (await edenTokens(ctx)).find((t) => t.name === name);
      if (!token) throw new AppError('TOKEN_NOT_FOUND', 'no custom token with this name');
      return token;
    };

    app.post(
      '/v2/user/custom_token/',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Eden AI: create a custom token; its secret is in `token`, shown once',
          body: EdenCreateTokenBody,
          response: { 201: EdenCreatedToken, ...errors },
        },
      },
      async (request, reply) => {
        const ctx = callContext(request);
        const { name, token_type = 'api_token', balance, expire_time, active_balance = false } = request.body;
        const { token, secret } = await services.tokens
          .create(ctx, {
            name,
            type: 'api',
            origin: ORIGIN,
            metadata: { token_type },
            expiresAt: expire_time === undefined ? null : expiresAtInput(expire_time),
            credits: balance === undefined ? null : creditsInput(balance, 'balance'),
            creditsActive: active_balance,
          })
          .catch((error: unknown) => {
            // The store keeps the names unique (TokenStore.insert); a check here before the insert
            // would let creates that run at once all pass. Eden AI answers a taken name with 400.
            if (error instanceof AppError && error.code === 'CONFLICT') {
              throw new AppError('VALIDATION_ERROR', 'name: a custom token with this name already exists');
            }
            throw error;
          });
        return reply.code(201).send({
          name: token.name,
          token_type,
          ...(token.credits !== null ? { balance: formatCredits(token.credits, { fractionDigits: 9 }) } : {}),
          expire_time: expireTime(token),
          active_balance: token.creditsActive,
          token: secret,
        });
      },
    );

    app.get(
      '/v2/user/custom_token/',
      { schema: { tags, security: requires('tokens:read'), summary: "Eden AI: list the caller's custom tokens", response: { 200: EdenTokenList, ...errors } } },
      async (request) => (await edenTokens(callContext(request))).map(edenToken),
    );

    app.get(
      '/v2/user/custom_token/:name/',
      {
        schema: {
          tags,
          security: requires('tokens:read'),
          summary: 'Eden AI: read a custom token by name',
          params: EdenTokenParams,
          response: { 200: EdenToken, ...errors },
        },
      },
      async (request) => edenToken(await byName(callContext(request), request.params.name)),
    );

    app.patch(
      '/v2/user/custom_token/:name/',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: "Eden AI: change a custom token's balance, expiry or active_balance",
          params: EdenTokenParams,
          body: EdenUpdateTokenBody,
          response: { 200: EdenUpdatedToken, ...errors },
        },
      },
      async (request) => {
        const ctx = callContext(request);
        const { balance, expire_time, active_balance } = request.body;
        let token = await byName(ctx, request.params.name);
        // Read and check everything before changing anything, so a bad field (or a balance the
        // caller may not set) changes nothing.
        const credits = balance === undefined ? undefined : balanceInput(balance);
        const expiresAt = expire_time === undefined ? undefined : expiresAtInput(expire_time);
        if (expiresAt != null && expiresAt <= services.clock.now()) throw new AppError('VALIDATION_ERROR', 'expire_time must be in the future');
        if (credits !== undefined) await services.credits.adjustableToken(ctx, token.id);
        const patch = {
          ...(expiresAt !== undefined ? { expiresAt } : {}),
          ...(active_balance !== undefined ? { creditsActive: active_balance } : {}),
        };
        // The balance first: it needs credits:write, which a refusal should find before anything changed.
        if (credits !== undefined) token = await services.credits.adjustToken(ctx, token.id, 'set', credits);
        if (Object.keys(patch).length > 0) token = await services.tokens.update(ctx, token.id, patch);
        const { token: _secret, ...view } = edenToken(token);
        return view;
      },
    );

    app.delete(
      '/v2/user/custom_token/:name/',
      {
        schema: {
          tags,
          security: requires('tokens:write'),
          summary: 'Eden AI: delete a custom token',
          params: EdenTokenParams,
          response: { 204: Type.Null({ description: 'Deleted' }), ...errors },
        },
      },
      async (request, reply) => {
        const ctx = callContext(request);
        await services.tokens.delete(ctx, (await byName(ctx, request.params.name)).id);
        return reply.code(204).send(null);
      },
    );
  };
}
