import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires, teamRefOf } from '../call-context.js';
import { AuditPage, AuditQuery } from '../schemas/account-schemas.js';
import { authErrors } from '../schemas/common.js';

export function auditRoutes(services: Pick<Services, 'audit'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/audit',
      {
        schema: {
          tags: ['audit'],
          security: requires('audit:read'),
          summary: "Who did what to which object, newest first: yours, a team's (?teamId=), or all for admins",
          querystring: AuditQuery,
          response: { 200: AuditPage, ...authErrors },
        },
      },
      async (request) => {
        const { teamId, slug, limit = 50, ...filters } = request.query;
        return services.audit.list(callContext(request).principal, { ...filters, limit, team: teamRefOf({ teamId, slug }) });
      },
    );
  };
}
