import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires, teamRefFromPath } from '../call-context.js';
import { authErrors } from '../schemas/common.js';
import { LeakPolicyBody, LeakPolicyResponse } from '../schemas/leak-schemas.js';
import { IdParams } from '../schemas/common.js';

const tags = ['leaks'];

/** What happens to a token reported leaked: per team, and the installation's default (docs/governance.md, "Leaked keys"). */
export function leakPolicyRoutes(services: Pick<Services, 'leakPolicies'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/leak-policy',
      {
        schema: {
          tags,
          security: requires('teams:read'),
          summary: "The installation's default leak policy",
          description: 'Personal tokens, tokens in no team, and teams without a policy of their own follow it. `revoke` until an admin sets another.',
          response: { 200: LeakPolicyResponse, ...authErrors },
        },
      },
      async () => services.leakPolicies.getDefault(),
    );

    app.put(
      '/v1/leak-policy',
      {
        schema: {
          tags,
          security: requires('teams:write'),
          summary: "Set the installation's default leak policy (admins only)",
          body: LeakPolicyBody,
          response: { 200: LeakPolicyResponse, ...authErrors },
        },
      },
      async (request) => services.leakPolicies.setDefault(callContext(request), request.body),
    );

    app.get(
      '/v1/teams/:id/leak-policy',
      {
        schema: {
          tags,
          security: requires('teams:read'),
          summary: "A team's leak policy (its own, or the default it follows)",
          params: IdParams,
          response: { 200: LeakPolicyResponse, ...authErrors },
        },
      },
      async (request) => services.leakPolicies.getForTeam(callContext(request).principal, teamRefFromPath(request.params.id)),
    );

    app.put(
      '/v1/teams/:id/leak-policy',
      {
        schema: {
          tags,
          security: requires('teams:write'),
          summary: "Set a team's leak policy (team owners and admins)",
          params: IdParams,
          body: LeakPolicyBody,
          response: { 200: LeakPolicyResponse, ...authErrors },
        },
      },
      async (request) => services.leakPolicies.setForTeam(callContext(request), teamRefFromPath(request.params.id), request.body),
    );

    app.delete(
      '/v1/teams/:id/leak-policy',
      {
        schema: {
          tags,
          security: requires('teams:write'),
          summary: "Clear a team's leak policy: it follows the installation's default again (team owners and admins)",
          description: 'Answers the policy now in force for the team (`inherited: true`). Clearing a team that has no policy of its own changes nothing.',
          params: IdParams,
          response: { 200: LeakPolicyResponse, ...authErrors },
        },
      },
      async (request) => services.leakPolicies.clearForTeam(callContext(request), teamRefFromPath(request.params.id)),
    );
  };
}
