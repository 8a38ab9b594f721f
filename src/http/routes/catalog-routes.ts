import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../service/services.js';
import { callContext, requires } from '../call-context.js';
import { authErrors, ErrorResponse } from '../schemas/common.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$', description: 'Letters, digits, `_`, `.` and `-`.' });
const Environment = Type.Object({ name: Type.String(), createdAt: Type.Integer() });
const Project = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.Integer() });
const tags = ['catalog'];

/** Environments and projects, which Unleash tokens are scoped to. */
export function catalogRoutes(services: Pick<Services, 'catalog'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/environments',
      {
        schema: {
          tags,
          security: requires('catalog:read'),
          summary: 'List environments',
          response: { 200: Type.Object({ items: Type.Array(Environment) }), ...authErrors },
        },
      },
      async () => ({ items: await services.catalog.listEnvironments() }),
    );

    app.post(
      '/v1/environments',
      {
        schema: {
          tags,
          security: requires('catalog:write'),
          summary: 'Create an environment (admins only)',
          body: Type.Object({ name: Name }, { additionalProperties: false }),
          response: { 201: Type.Object({ environment: Environment }), ...authErrors, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const environment = await services.catalog.createEnvironment(callContext(request).principal, request.body.name);
        return reply.code(201).send({ environment });
      },
    );

    app.get(
      '/v1/projects',
      {
        schema: {
          tags,
          security: requires('catalog:read'),
          summary: 'List projects',
          response: { 200: Type.Object({ items: Type.Array(Project) }), ...authErrors },
        },
      },
      async () => ({ items: await services.catalog.listProjects() }),
    );

    app.post(
      '/v1/projects',
      {
        schema: {
          tags,
          security: requires('catalog:write'),
          summary: 'Create a project (admins only)',
          body: Type.Object({ id: Name, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false }),
          response: { 201: Type.Object({ project: Project }), ...authErrors, 409: ErrorResponse },
        },
      },
      async (request, reply) => {
        const project = await services.catalog.createProject(callContext(request).principal, request.body);
        return reply.code(201).send({ project });
      },
    );
  };
}
