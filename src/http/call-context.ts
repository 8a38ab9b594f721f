import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { isManagementScope, type ManagementScope } from '../core/management-scopes.js';
import { isSafeMethod } from '../core/session.js';
import type { TeamRef } from '../service/access-policy.js';
import type { AuthService } from '../service/auth-service.js';
import { clientCredentialsOf } from '../service/client-credentials.js';
import type { CallContext, Principal } from '../service/principal.js';
import type { OpenSession, SessionService } from '../service/session-service.js';
import { credentialOf } from './credentials.js';
import { clearSessionCookie, csrfHeaderOf, sessionCookieOf } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The dashboard session that authenticated the request, when its cookie did. */
    session: OpenSession | null;
    /** The JSON body as received, before parsing. */
    rawBody?: string;
  }
  interface FastifyContextConfig {
    /** A native management route: a dashboard session cookie may authenticate it when no Authorization header is sent. */
    sessionCookie?: boolean;
  }
}

/** The OpenAPI security schemes: who may call a route is part of its schema. */
export const SECURITY_SCHEMES = {
  /** A personal token, for the management API; the requirement lists the management scope it needs. */
  bearer: { type: 'http', scheme: 'bearer' },
  /**
   * A dashboard session (POST /v1/session). It also stands in for the bearer token on the native
   * management routes (docs/dashboard.md), with X-CSRF-Token on every request that changes something.
   */
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'tessera_session',
    description: 'The session cookie POST /v1/session sets; requests that change something also send X-CSRF-Token.',
  },
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
  /** GitHub's secret scanning: its ECDSA signature over the body, with the key's id in GitHub-Public-Key-Identifier. */
  githubSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'github-public-key-signature',
    description: "ECDSA P-256 over SHA-256 of the body as sent, by one of GitHub's keys the operator configured (TESSERA_GITHUB_SCANNING_KEYS_FILE).",
  },
  /** GitLab's token revocation API: the pre-shared token, as the whole Authorization header. */
  gitlabToken: {
    type: 'apiKey',
    in: 'header',
    name: 'authorization',
    description: 'The token configured as TESSERA_GITLAB_REVOCATION_TOKEN (and in GitLab as secret_detection_token_revocation_token).',
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

/** `security` of a route about the dashboard session itself: only its cookie authenticates it. */
export const SESSION_ONLY: SecurityRequirements = [{ session: [] }];

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
 * takes the personal token as OAuth client credentials too (Basic, or Bearer). A native
 * management route (config.sessionCookie) takes a dashboard session cookie in place of the token
 * when no Authorization header or ?token= is sent; a route about the session takes only the cookie.
 */
export function installAuthentication(app: FastifyInstance, services: { auth: AuthService; sessions: SessionService }): void {
  const { auth } = services;
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    const security = route.schema?.security as SecurityRequirements | undefined;
    if (!Array.isArray(security)) throw new Error(`${String(route.method)} ${route.url} does not say who may call it (schema.security)`);
    for (const scope of security.flatMap((requirement) => requirement.bearer ?? [])) {
      if (!isManagementScope(scope)) throw new Error(`${String(route.method)} ${route.url} names an unknown scope ${scope}`);
    }
  });
  app.addHook('onRequest', async (request, reply) => {
    const security = request.routeOptions.schema?.security as SecurityRequirements | undefined;
    if (security?.some((requirement) => requirement.session !== undefined)) {
      await resumeSession(request, reply, services.sessions, []);
      return;
    }
    const scopes = bearerScopes(request);
    if (scopes === undefined) return;
    const signed = request.headers.authorization?.startsWith('HMAC ') === true;
    if (signed && security!.some((requirement) => requirement.unleashEdgeHmac !== undefined)) return;
    if (security!.some((requirement) => requirement.oauthClient !== undefined)) {
      // Optional client credentials change what the route does, not whether it may be called: it reads them itself.
      if (security!.some((requirement) => Object.keys(requirement).length === 0)) return;
      request.principal = await auth.authenticateClient(clientCredentialsOf(request.headers.authorization), request.ip, scopes);
      return;
    }
    const credential = credentialOf(request);
    // Authorization (or ?token=) wins over the cookie: a script that sends its token means that token.
    if (credential === undefined && request.headers.authorization === undefined && request.routeOptions.config.sessionCookie === true) {
      if (sessionCookieOf(request) !== undefined) {
        await resumeSession(request, reply, services.sessions, scopes);
        return;
      }
    }
    request.principal = await auth.authenticate(credential, request.ip, scopes);
  });
}

/**
 * Authenticates the request by its session cookie: the session's token re-checked with `scopes`,
 * and X-CSRF-Token required unless the method changes nothing. A session that has ended has its
 * cookie cleared in the 401.
 */
async function resumeSession(request: FastifyRequest, reply: FastifyReply, sessions: SessionService, scopes: readonly ManagementScope[]): Promise<void> {
  const sessionId = sessionCookieOf(request);
  if (sessionId === undefined) throw new AppError('UNAUTHORIZED', 'not signed in: POST /v1/session with a personal token first');
  try {
    const session = await sessions.resume(
      sessionId,
      { ip: request.ip, csrf: { required: !isSafeMethod(request.method), presented: csrfHeaderOf(request) } },
      scopes,
    );
    request.session = session;
    request.principal = session.principal;
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAUTHORIZED') clearSessionCookie(request, reply);
    throw error;
  }
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
