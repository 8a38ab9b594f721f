import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires } from '../call-context.js';
import { OffboardedResponse } from '../schemas/account-schemas.js';
import { authErrors, ErrorResponse, IdParams } from '../schemas/common.js';

/** Offboarding a person (docs/governance.md): admins only, never themselves. */
export function offboardingRoutes(services: Pick<Services, 'offboarding'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const schema = (summary: string) => ({
      tags: ['accounts'],
      security: requires('users:write'),
      summary,
      params: IdParams,
      response: { 200: OffboardedResponse, ...authErrors, 404: ErrorResponse, 409: ErrorResponse },
    });

    app.post(
      '/v1/users/:id/disable',
      { schema: schema('Disable a user (admins only): all their tokens answer DISABLED at once, on every node, until enabled') },
      async (request) => services.offboarding.disableUser(callContext(request), request.params.id),
    );

    app.post(
      '/v1/users/:id/enable',
      { schema: schema('Enable a user again (admins only): their tokens verify again, except those suspended one by one') },
      async (request) => services.offboarding.enableUser(callContext(request), request.params.id),
    );

    app.delete(
      '/v1/users/:id',
      { schema: schema('Delete a user (admins only): their tokens are revoked for good and their memberships removed') },
      async (request) => services.offboarding.deleteUser(callContext(request), request.params.id),
    );
  };
}
