import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.js';
import type { OpenSession } from '../../service/session-service.js';
import type { Services } from '../../service/services.js';
import { PUBLIC, SESSION_ONLY } from '../call-context.js';
import { authErrors, ErrorResponse } from '../schemas/common.js';
import { SessionResponse, SignInBody } from '../schemas/session-schemas.js';
import { clearSessionCookie, sessionCookieOf, setSessionCookie } from '../session-cookie.js';

function sessionView(session: OpenSession) {
  return { user: session.principal.user, scopes: [...session.principal.token.scopes], csrfToken: session.csrfToken, expiresAt: session.expiresAt };
}

/** Dashboard sign-in (docs/dashboard.md): a personal token's secret once, a session cookie after. */
export function sessionRoutes(services: Pick<Services, 'sessions'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/session',
      {
        schema: {
          tags: ['sessions'],
          // The token in the body is the proof; a sign-in needs no other credential.
          security: PUBLIC,
          summary: 'Sign in to the dashboard with a personal token: sets the session cookie',
          body: SignInBody,
          response: { 200: SessionResponse, ...authErrors, 429: ErrorResponse },
        },
      },
      async (request, reply) => {
        const session = await services.sessions.signIn(request.body.token, { ip: request.ip, requestId: request.id }, sessionCookieOf(request));
        setSessionCookie(request, reply, session.id);
        reply.header('cache-control', 'no-store');
        return sessionView(session);
      },
    );

    app.get(
      '/v1/session',
      {
        schema: {
          tags: ['sessions'],
          security: SESSION_ONLY,
          summary: 'The signed-in session: its user, scopes, CSRF token and expiry',
          response: { 200: SessionResponse, ...authErrors, 429: ErrorResponse },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return sessionView(signedIn(request.session));
      },
    );

    app.delete(
      '/v1/session',
      {
        schema: {
          tags: ['sessions'],
          security: SESSION_ONLY,
          summary: 'Sign out: ends the session and clears its cookie (needs X-CSRF-Token)',
          response: { 204: Type.Null({ description: 'Signed out.' }), ...authErrors, 429: ErrorResponse },
        },
      },
      async (request, reply) => {
        await services.sessions.signOut(signedIn(request.session), { ip: request.ip, requestId: request.id });
        clearSessionCookie(request, reply);
        return reply.code(204).send(null);
      },
    );
  };
}

function signedIn(session: OpenSession | null): OpenSession {
  if (!session) throw new AppError('UNAUTHORIZED', 'not signed in');
  return session;
}
