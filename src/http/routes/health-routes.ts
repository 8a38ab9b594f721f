import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';

const Health = Type.Object({ status: Type.String() });

export function healthRoutes(services: Services): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['health'], security: [], summary: 'The process is up', response: { 200: Health } } }, async () => ({
      status: 'ok',
    }));

    app.get(
      '/readyz',
      { schema: { tags: ['health'], security: [], summary: 'The store answers and change notifications arrive', response: { 200: Health, 503: Health } } },
      async (_request, reply) => {
        const storeUp = await services.stores.ping().catch(() => false);
        const status = !storeUp ? 'store unavailable' : !services.changes.live ? 'change notifications unavailable' : 'ready';
        return reply.code(status === 'ready' ? 200 : 503).send({ status });
      },
    );
  };
}
