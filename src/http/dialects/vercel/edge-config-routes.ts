import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EdgeConfigRecord } from '../../../core/vercel-edge-config.js';
import type { TokenRecord } from '../../../core/token.js';
import type { Services } from '../../../service/services.js';
import { callContext, requires, teamRefOf } from '../../call-context.js';
import { setErrorShape } from '../../error-handler.js';
import {
  CreateEdgeConfigBody,
  CreateEdgeConfigTokenBody,
  DeleteEdgeConfigTokensBody,
  EdgeConfigParams,
  EdgeConfigTokenCreated,
  EdgeConfigTokenParams,
  EdgeConfigTokenView,
  EdgeConfigView,
  PatchItemsBody,
} from './edge-config-schemas.js';
import { vercelError } from './vercel-errors.js';
import { VercelError, VercelTeamQuery } from './vercel-schemas.js';

const tags = ['vercel edge config'];
const errors = { 400: VercelError, 401: VercelError, 402: VercelError, 403: VercelError, 404: VercelError, 409: VercelError };

function configView(config: EdgeConfigRecord) {
  return {
    id: config.id,
    slug: config.slug,
    ownerId: config.teamId ?? config.ownerUserId,
    digest: config.digest,
    itemCount: Object.keys(config.items).length,
    sizeInBytes: Buffer.byteLength(JSON.stringify(config.items)),
    createdAt: config.createdAt,
    updatedAt: config.updatedAt,
  };
}

function tokenView(token: TokenRecord, edgeConfigId: string) {
  return { createdAt: token.createdAt, edgeConfigId, id: token.id, label: token.name, partialToken: `${token.prefix}_…${token.suffix}` };
}

/**
 * Vercel's Edge Config management routes; registered under both `/v1/edge-config` and
 * `/v1/global-config` (the path @vercel/sdk 1.28.15 and later use).
 */
export function edgeConfigRoutes(services: Pick<Services, 'edgeConfigs'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    setErrorShape(app, vercelError);

    app.post(
      '',
      {
        schema: {
          tags,
          security: requires('edge-configs:write'),
          summary: 'Vercel: create an Edge Config',
          querystring: VercelTeamQuery,
          body: CreateEdgeConfigBody,
          response: { 201: EdgeConfigView, ...errors },
        },
      },
      async (request, reply) => {
        const config = await services.edgeConfigs.create(callContext(request), { ...request.body, team: teamRefOf(request.query) });
        return reply.code(201).send(configView(config));
      },
    );

    app.get(
      '/:edgeConfigId',
      {
        schema: {
          tags,
          security: requires('edge-configs:read'),
          summary: 'Vercel: read an Edge Config',
          params: EdgeConfigParams,
          response: { 200: EdgeConfigView, ...errors },
        },
      },
      async (request) => configView(await services.edgeConfigs.get(callContext(request), request.params.edgeConfigId)),
    );

    app.patch(
      '/:edgeConfigId/items',
      {
        schema: {
          tags,
          security: requires('edge-configs:write'),
          summary: "Vercel: change an Edge Config's items",
          params: EdgeConfigParams,
          body: PatchItemsBody,
          response: { 200: Type.Object({ status: Type.String() }), ...errors },
        },
      },
      async (request) => {
        await services.edgeConfigs.patchItems(callContext(request), request.params.edgeConfigId, request.body.items);
        return { status: 'ok' };
      },
    );

    app.post(
      '/:edgeConfigId/token',
      {
        schema: {
          tags,
          security: requires('edge-configs:write'),
          summary: 'Vercel: create a token that reads this Edge Config',
          params: EdgeConfigParams,
          body: CreateEdgeConfigTokenBody,
          response: { 201: EdgeConfigTokenCreated, ...errors },
        },
      },
      async (request, reply) => {
        const issued = await services.edgeConfigs.createToken(callContext(request), request.params.edgeConfigId, request.body.label);
        return reply.code(201).send({ token: issued.secret, id: issued.token.id });
      },
    );

    app.get(
      '/:edgeConfigId/tokens',
      {
        schema: {
          tags,
          security: requires('edge-configs:read'),
          summary: "Vercel: an Edge Config's tokens",
          params: EdgeConfigParams,
          response: { 200: Type.Array(EdgeConfigTokenView), ...errors },
        },
      },
      async (request) => {
        const { edgeConfigId } = request.params;
        return (await services.edgeConfigs.listTokens(callContext(request), edgeConfigId)).map((t) => tokenView(t, edgeConfigId));
      },
    );

    app.get(
      '/:edgeConfigId/token/:token',
      {
        schema: {
          tags,
          security: requires('edge-configs:read'),
          summary: 'Vercel: one Edge Config token, by secret or id',
          params: EdgeConfigTokenParams,
          response: { 200: EdgeConfigTokenView, ...errors },
        },
      },
      async (request) => {
        const { edgeConfigId, token } = request.params;
        return tokenView(await services.edgeConfigs.getToken(callContext(request), edgeConfigId, token), edgeConfigId);
      },
    );

    app.delete(
      '/:edgeConfigId/tokens',
      {
        schema: {
          tags,
          security: requires('edge-configs:write'),
          summary: 'Vercel: delete Edge Config tokens, by secret (`tokens`) or id (`ids`)',
          params: EdgeConfigParams,
          body: DeleteEdgeConfigTokensBody,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        const { tokens = [], ids = [] } = request.body;
        await services.edgeConfigs.deleteTokens(callContext(request), request.params.edgeConfigId, [...tokens, ...ids]);
        return reply.code(204).send(null);
      },
    );
  };
}
