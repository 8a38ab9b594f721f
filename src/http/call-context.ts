import type { FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { TeamRef } from '../service/access-policy.js';
import type { AuthService } from '../service/auth-service.js';
import type { CallContext, Principal } from '../service/principal.js';
import { credentialOf } from './credentials.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The JSON body as received, before parsing. */
    rawBody?: string;
  }
}

/** An onRequest hook: refuses the request unless it presents a management credential. */
export function authenticateWith(auth: AuthService) {
  return async (request: FastifyRequest): Promise<void> => {
    request.principal = await auth.authenticate(credentialOf(request), request.ip);
  };
}

export function callContext(request: FastifyRequest): CallContext {
  if (!request.principal) throw new AppError('UNAUTHORIZED', 'a token is required');
  return { principal: request.principal, ip: request.ip, requestId: request.id };
}

/** `?teamId=` or `?slug=` (or a team id in the body), as a team reference. */
export function teamRefOf(source: { teamId?: string; slug?: string }): TeamRef | undefined {
  if (source.teamId) return { id: source.teamId };
  if (source.slug) return { slug: source.slug };
  return undefined;
}

/** A path segment that is a team id (`team_…`) or a slug. */
export function teamRefFromPath(idOrSlug: string): TeamRef {
  return idOrSlug.startsWith('team_') ? { id: idOrSlug } : { slug: idOrSlug };
}
