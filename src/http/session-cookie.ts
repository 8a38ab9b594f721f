import type { FastifyReply, FastifyRequest } from 'fastify';
import { parse, serialize } from 'cookie';
import { CSRF_HEADER, SESSION_COOKIE } from '../core/session.js';

/** The session id the request's cookie carries, as sent (checked by the session service); undefined without one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  // The first of several cookies of that name wins, as the cookie package reads them.
  return parse(header)[SESSION_COOKIE];
}

/** The X-CSRF-Token header, when sent once. */
export function csrfHeaderOf(request: FastifyRequest): string | undefined {
  const value = request.headers[CSRF_HEADER];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Sets the session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Path=/, and Secure when the request came over https (request.protocol honours the
 * trusted proxies' X-Forwarded-Proto). No Max-Age: the browser forgets it when it closes, and the
 * server ends it at its expiry whatever the browser does.
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessionId: string): void {
  reply.header('set-cookie', serialize(SESSION_COOKIE, sessionId, cookieAttributes(request)));
}

/** Tells the browser to drop its session cookie (Max-Age=0). */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', serialize(SESSION_COOKIE, '', { ...cookieAttributes(request), maxAge: 0 }));
}

function cookieAttributes(request: FastifyRequest) {
  return { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' } as const;
}
