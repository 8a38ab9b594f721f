import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { isManagementScope, type ManagementScope } from '../core/management-scopes.js';
import type { TeamRef } from '../service/access-policy.js';
import type { AuthService } from '../service/auth-service.js';
import { clientCredentialsOf } from '../service/client-credentials.js';
import type { CallContext, Principal } from '../service/principal.js';
import { credentialOf } from './credentials.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The JSON body as received, before parsing. */
    rawBody?: string;
  }
}

/** The OpenAPI security schemes: who may call a route is part of its schema. */
export const SECURITY_SCHEMES = {
  /** A personal token, for the management API; the requirement lists the management scope it needs. */
  bearer: { type: 'http', scheme: 'bearer' },
  /** An Edge Config's own resource token (`?token=` or a bearer header), for its read API. */
  edgeConfigToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A token made for this Edge Config.' },
  /** An Unleash Edge client that signs its request (TESSERA_EDGE_CLIENTS). */
  unleashEdgeHmac: {
    type: 'apiKey',
    in: 'header',
    name: 'authorization',
    description: '`HMAC <clientId>:<signature>`, with x-timestamp, x-nonce and content-sha256.',
  },
  /**
   * OAuth client authentication on the OAuth endpoints (RFC 6749 §2.3.1): a personal token's id
   * as client_id and its secret as client_secret. The same token may be sent as a bearer token.
   */
  oauthClient: {
    type: 'http',
    scheme: 'basic',
    description: "client_id: a personal token's id (tok_…); client_secret: its secret. Each form-urlencoded, then base64 of `id:secret`.",
  },
} as const;
type SchemeName = keyof typeof SECURITY_SCHEMES;
export type SecurityRequirements = Array<Partial<Record<SchemeName, string[]>>>;

/** `security` of a route a personal token with `scope` may call (any personal token when no scope is named). */
export function requires(scope?: ManagementScope, ...alternatives: SecurityRequirements): SecurityRequirements {
  return [{ bearer: scope ? [scope] : [] }, ...alternatives];
}

/**
 * `security` of an OAuth endpoint: a personal token with `scope` as a bearer token or as Basic client
 * credentials (oauthClient); with `optional`, also no credential at all (the route then reads them itself).
 */
export function oauthClient(scope: ManagementScope, optional = false): SecurityRequirements {
  return [...(optional ? [{}] : []), { bearer: [scope] }, { oauthClient: [] }];
}

/** `security` of a route anyone may call: holding what it is asked about is the proof. */
export const PUBLIC: SecurityRequirements = [];

/** The bearer requirement a route declares, if any: the management scopes it needs. */
function bearerScopes(request: FastifyRequest): ManagementScope[] | undefined {
  const security = request.routeOptions.schema?.security as SecurityRequirements | undefined;
  return security?.find((requirement) => requirement.bearer !== undefined)?.bearer as ManagementScope[] | undefined;
}

/**
 * Every route says who may call it in its schema's `security`, and this enforces it: a route
 * without one refuses to register, and a route that asks for a personal token gets one with its
 * scope or is refused before its body is read. A route that also takes an Unleash Edge HMAC
 * signature checks a signed request itself (the signature covers the body). An OAuth endpoint
 * takes the personal token as OAuth client credentials too (Basic, or Bearer).
 */
export function installAuthentication(app: FastifyInstance, auth: AuthService): void {
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    const security = route.schema?.security as SecurityRequirements | undefined;
    if (!Array.isArray(security)) throw new Error(`${String(route.method)} ${route.url} does not say who may call it (schema.security)`);
    for (const scope of security.flatMap((requirement) => requirement.bearer ?? [])) {
      if (!isManagementScope(scope)) throw new Error(`${String(route.method)} ${route.url} names an unknown scope ${scope}`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const scopes = bearerScopes(request);
    if (scopes === undefined) return;
    const security = request.routeOptions.schema?.security as SecurityRequirements;
    const signed = request.headers.authorization?.startsWith('HMAC ') === true;
    if (signed && security.some((requirement) => requirement.unleashEdgeHmac !== undefined)) return;
    if (security.some((requirement) => requirement.oauthClient !== undefined)) {
      // Optional client credentials change what the route does, not whether it may be called: it reads them itself.
      if (security.some((requirement) => Object.keys(requirement).length === 0)) return;
      request.principal = await auth.authenticateClient(clientCredentialsOf(request.headers.authorization), request.ip, scopes);
      return;
    }
    request.principal = await auth.authenticate(credentialOf(request), request.ip, scopes);
  });
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
