import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';

const Health = Type.Object({ status: Type.String() });

export function healthRoutes(services: Pick<Services, 'readiness'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['health'], security: PUBLIC, summary: 'The process is up', response: { 200: Health } } }, async () => ({
      status: 'ok',
    }));

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['health'],
          security: PUBLIC,
          summary: 'The store answers, its schema is up to date, and change notifications arrive',
          response: { 200: Health, 503: Health },
        },
      },
      async (_request, reply) => {
        const missing = await services.readiness.problems();
        return missing.length === 0 ? { status: 'ready' } : reply.code(503).send({ status: missing.join('; ') });
      },
    );
  };
}
