import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';
import type { Stores } from '../../store/stores.js';
import { PUBLIC } from '../call-context.js';

const Health = Type.Object({ status: Type.String() });

export function healthRoutes(services: Services): FastifyPluginAsyncTypebox {
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
        const missing = await unready(services);
        return missing.length === 0 ? { status: 'ready' } : reply.code(503).send({ status: missing.join('; ') });
      },
    );
  };
}

/** What keeps this node from serving, for people reading the probe; empty when ready. */
async function unready({ stores, changes }: Services): Promise<string[]> {
  const missing: string[] = [];
  const storeProblem = await checkStore(stores);
  if (storeProblem) missing.push(storeProblem);
  if (!changes.live) missing.push('change notifications unavailable');
  return missing;
}

async function checkStore(stores: Stores): Promise<string | undefined> {
  try {
    if (!(await stores.ping())) return 'store unavailable';
    // Startup migrates before listening; this catches a database swapped or restored underneath.
    if ((await stores.pendingMigrations()).length > 0) return 'migrations pending';
    return undefined;
  } catch {
    return 'store unavailable';
  }
}
