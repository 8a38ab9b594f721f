import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';
import { PUBLIC } from '../call-context.js';

/** Prometheus scrapes this; like /healthz it needs no credential, so keep it off the public network. */
export function metricsRoutes(services: Pick<Services, 'metrics'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/metrics',
      {
        schema: {
          tags: ['health'],
          security: PUBLIC,
          summary: 'Prometheus metrics',
          response: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } } },
        },
      },
      async (_request, reply) => reply.type(services.metrics.contentType).send(await services.metrics.text()),
    );
  };
}
