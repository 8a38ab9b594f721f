import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires, teamRefFromPath } from '../call-context.js';
import { authErrors, IdParams } from '../schemas/common.js';
import { LifecyclePolicy, PolicyResponse } from '../schemas/policy-schemas.js';

const tags = ['policies'];

/** Lifecycle policies: the installation's (admins set it, everyone reads it) and each team's (its owners set it, its members read it). */
export function policyRoutes(services: Pick<Services, 'policies'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/policies',
      {
        schema: {
          tags,
          security: requires('policies:read'),
          summary: "The installation's lifecycle policy (every signed-in caller may read the rules that bind its tokens)",
          response: { 200: PolicyResponse, ...authErrors },
        },
      },
      async () => services.policies.installation(),
    );

    app.put(
      '/v1/policies',
      {
        schema: {
          tags,
          security: requires('policies:write'),
          summary: "Replace the installation's lifecycle policy (admins only)",
          body: LifecyclePolicy,
          response: { 200: PolicyResponse, ...authErrors },
        },
      },
      async (request) => services.policies.setInstallation(callContext(request), request.body),
    );

    app.get(
      '/v1/teams/:id/policies',
      {
        schema: {
          tags,
          security: requires('policies:read'),
          summary: "A team's lifecycle policy, and the rules in force for its tokens (members)",
          params: IdParams,
          response: { 200: PolicyResponse, ...authErrors },
        },
      },
      async (request) => services.policies.team(callContext(request).principal, teamRefFromPath(request.params.id)),
    );

    app.put(
      '/v1/teams/:id/policies',
      {
        schema: {
          tags,
          security: requires('policies:write'),
          summary: "Replace a team's lifecycle policy (team owners); it adds to the installation's and cannot loosen it",
          params: IdParams,
          body: LifecyclePolicy,
          response: { 200: PolicyResponse, ...authErrors },
        },
      },
      async (request) => services.policies.setTeam(callContext(request), teamRefFromPath(request.params.id), request.body),
    );
  };
}
