import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { EdgeConfigRecord } from '../../../core/vercel-edge-config.js';
import type { Services } from '../../../service/services.js';
import { credentialOf } from '../../credentials.js';
import { VERIFICATION } from '../../logger.js';
import { setErrorShape } from '../../error-handler.js';
import { EdgeConfigItemParams, EdgeConfigParams } from './edge-config-schemas.js';
import { vercelError } from './vercel-errors.js';

const tags = ['vercel edge config'];
const EDGE_CONFIG_TOKEN = [{ edgeConfigToken: [] }];
const ReadQuery = Type.Object({ version: Type.Optional(Type.String()), key: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])) });

/** Answers 304 when the client holds this digest already; otherwise tags the response with it. */
function notModified(request: FastifyRequest, reply: FastifyReply, config: EdgeConfigRecord): boolean {
  const etag = `"${config.digest}"`;
  reply.header('etag', etag).header('x-edge-config-digest', config.digest);
  if (request.headers['if-none-match'] !== etag) return false;
  reply.code(304).send();
  return true;
}

/**
 * The Edge Config read API as `@vercel/edge-config` calls it, authorized by an Edge Config
 * token: `/{id}/items`, `/{id}/item/{key}` (GET and HEAD) and `/{id}/digest`. Bodies are the
 * raw JSON values.
 */
export function edgeConfigReadRoutes(services: Pick<Services, 'edgeConfigs'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    setErrorShape(app, vercelError);
    const read = (request: FastifyRequest) =>
      services.edgeConfigs.read((request.params as { edgeConfigId: string }).edgeConfigId, credentialOf(request), request.ip);

    app.get(
      '/:edgeConfigId/items',
      {
        config: VERIFICATION,
        schema: {
          tags,
          security: EDGE_CONFIG_TOKEN,
          summary: 'Edge Config: all items, or those named by `key`',
          params: EdgeConfigParams,
          querystring: ReadQuery,
        },
      },
      async (request, reply) => {
        const config = await read(request);
        if (notModified(request, reply, config)) return reply;
        const { key } = request.query;
        if (key === undefined) return config.items;
        const keys = Array.isArray(key) ? key : [key];
        return Object.fromEntries(keys.filter((k) => Object.hasOwn(config.items, k)).map((k) => [k, config.items[k]]));
      },
    );

    app.route({
      method: ['GET', 'HEAD'],
      url: '/:edgeConfigId/item/:key',
      config: VERIFICATION,
      schema: {
        tags,
        security: EDGE_CONFIG_TOKEN,
        summary: 'Edge Config: one item; 404 with x-edge-config-digest when the key is missing',
        params: EdgeConfigItemParams,
        querystring: ReadQuery,
      },
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        const config = await read(request);
        const { key } = request.params;
        if (!Object.hasOwn(config.items, key)) {
          reply.header('x-edge-config-digest', config.digest);
          return reply.code(404).send(vercelError({ code: 'NOT_FOUND', message: `no item "${key}"`, requestId: request.id }));
        }
        if (notModified(request, reply, config)) return reply;
        return reply.type('application/json').send(JSON.stringify(config.items[key]));
      },
    });

    app.get(
      '/:edgeConfigId/digest',
      {
        config: VERIFICATION,
        schema: { tags, security: EDGE_CONFIG_TOKEN, summary: "Edge Config: the items' digest", params: EdgeConfigParams, querystring: ReadQuery },
      },
      async (request, reply) => {
        const config = await read(request);
        return reply.type('application/json').send(JSON.stringify(config.digest));
      },
    );
  };
}
