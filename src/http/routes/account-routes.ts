import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires, teamRefFromPath } from '../call-context.js';
import {
  AddMemberBody,
  CreateTeamBody,
  CreateUserBody,
  ListQuery,
  MemberParams,
  MembershipResponse,
  TeamPage,
  TeamResponse,
  UserPage,
  UpdateMemberBody,
  UserResponse,
  WhoamiResponse,
} from '../schemas/account-schemas.js';
import { authErrors, ErrorResponse, IdParams } from '../schemas/common.js';
import { tokenView } from '../views.js';

export function accountRoutes(services: Pick<Services, 'accounts' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/whoami',
      { schema: { tags: ['accounts'], security: requires(), summary: 'The calling user, token and teams', response: { 200: WhoamiResponse, ...authErrors } } },
      async (request) => {
        const { principal } = callContext(request);
        const { teams } = await services.accounts.whoami(principal);
        return { user: principal.user, token: tokenView(principal.token, services.clock.now()), teams };
      },
    );

    app.post(
      '/v1/users',
      {
        schema: {
          tags: ['accounts'],
          security: requires('users:write'),
          summary: 'Create a user (admins only)',
          body: CreateUserBody,
          response: { 201: UserResponse, ...authErrors, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const user = await services.accounts.createUser(callContext(request), request.body);
        return reply.code(201).send({ user });
      },
    );

    app.get(
      '/v1/users',
      {
        schema: {
          tags: ['accounts'],
          security: requires('users:read'),
          summary: 'List users (admins only)',
          querystring: ListQuery,
          response: { 200: UserPage, ...authErrors },
        },
      },
      async (request) => {
        const { limit = 50, cursor } = request.query;
        return services.accounts.listUsers(callContext(request).principal, { limit, cursor });
      },
    );

    app.post(
      '/v1/teams',
      {
        schema: {
          tags: ['accounts'],
          security: requires('teams:write'),
          summary: 'Create a team; you become its owner',
          body: CreateTeamBody,
          response: { 201: TeamResponse, ...authErrors, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const ctx = callContext(request);
        const team = await services.accounts.createTeam(ctx, request.body);
        return reply.code(201).send(await services.accounts.getTeam(ctx.principal, { id: team.id }));
      },
    );

    app.get(
      '/v1/teams',
      {
        schema: {
          tags: ['accounts'],
          security: requires('teams:read'),
          summary: 'List your teams (admins: all)',
          querystring: ListQuery,
          response: { 200: TeamPage, ...authErrors },
        },
      },
      async (request) => {
        const { limit = 50, cursor } = request.query;
        return services.accounts.listTeams(callContext(request).principal, { limit, cursor });
      },
    );

    app.get(
      '/v1/teams/:id',
      {
        schema: {
          tags: ['accounts'],
          security: requires('teams:read'),
          summary: 'Read a team and its members, by id or slug',
          params: IdParams,
          response: { 200: TeamResponse, ...authErrors },
        },
      },
      async (request) => services.accounts.getTeam(callContext(request).principal, teamRefFromPath(request.params.id)),
    );

    app.post(
      '/v1/teams/:id/members',
      {
        schema: {
          tags: ['accounts'],
          security: requires('teams:write'),
          summary: 'Add a user to a team (team owners only)',
          params: IdParams,
          body: AddMemberBody,
          response: { 201: MembershipResponse, ...authErrors, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const membership = await services.accounts.addMember(callContext(request), teamRefFromPath(request.params.id), request.body);
        return reply.code(201).send({ membership });
      },
    );

    app.patch(
      '/v1/teams/:id/members/:userId',
      {
        schema: {
          tags: ['accounts'],
          security: requires('teams:write'),
          summary: "Change a member's role (team owners and admins); a team keeps at least one owner",
          params: MemberParams,
          body: UpdateMemberBody,
          response: { 200: MembershipResponse, ...authErrors, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request) => {
        const { id, userId } = request.params;
        return { membership: await services.accounts.updateMember(callContext(request), teamRefFromPath(id), userId, request.body) };
      },
    );

    app.delete(
      '/v1/teams/:id/members/:userId',
      {
        schema: {
          tags: ['accounts'],
          security: requires('teams:write'),
          summary: "Remove a member (team owners and admins): they lose the team's rights at once; never the only owner",
          params: MemberParams,
          response: { 204: Type.Null({ description: 'Removed' }), ...authErrors, 404: ErrorResponse, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { id, userId } = request.params;
        await services.accounts.removeMember(callContext(request), teamRefFromPath(id), userId);
        return reply.code(204).send(null);
      },
    );
  };
}
