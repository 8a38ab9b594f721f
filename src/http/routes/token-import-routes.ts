import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires } from '../call-context.js';
import { authErrors, ErrorResponse } from '../schemas/common.js';
import { ImportRefusedResponse, ImportTokensBody, ImportTokensResponse } from '../schemas/import-schemas.js';

/** Room for a full batch of keys with names and metadata: above the 100 kB of other routes. */
const IMPORT_BODY_LIMIT = 1024 * 1024;

/** Another system's keys, a batch at a time (docs/import-export.md): admins only. */
export function tokenImportRoutes(services: Pick<Services, 'imports'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/tokens/import',
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        schema: {
          tags: ['tokens'],
          security: requires('tokens:write'),
          summary:
            'Import up to 1000 keys of another system by their text or SHA-256 (admins only): all or nothing; a key whose digest exists is skipped; the old text keeps working',
          body: ImportTokensBody,
          response: { 200: ImportTokensResponse, ...authErrors, 400: ImportRefusedResponse, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { keys, dryRun = false, ownerUserId, teamId } = request.body;
        const answer = await services.imports.importBatch(callContext(request), keys, {
          dryRun,
          ...(ownerUserId !== undefined ? { ownerUserId } : {}),
          ...(teamId !== undefined ? { teamId } : {}),
        });
        if ('refused' in answer) {
          return reply.code(400).send({
            error: {
              code: 'VALIDATION_ERROR',
              message: `keys.${answer.refused[0]!.index}: ${answer.refused[0]!.reason}; nothing was imported`,
              requestId: request.id,
            },
            refused: answer.refused,
          });
        }
        return answer;
      },
    );
  };
}
