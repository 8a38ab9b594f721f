import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { digestKeyOf } from './digest.js';

/** The cookie a dashboard session travels in. */
export const SESSION_COOKIE = 'tessera_session';
/** The header a state-changing request authenticated by the cookie must carry. */
export const CSRF_HEADER = 'x-csrf-token';
/** Random bytes in a session id: 32, written as 43 base64url characters. */
export const SESSION_ID_BYTES = 32;

const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new session id from CSPRNG bytes; the cookie carries it, the store only its digest. */
export function newSessionId(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(SESSION_ID_BYTES)).toString('base64url');
}

/** Whether `text` can be a session id tessera made: anything else is refused without a lookup. */
export function isSessionId(text: string | undefined): text is string {
  return text !== undefined && SESSION_ID_PATTERN.test(text);
}

/** SHA-256 of the session id, base64url: the only form a session id is stored in. */
export function sessionDigestOf(sessionId: string): string {
  return digestKeyOf(sessionId);
}

/**
 * The key CSRF tokens are made under, derived from the server key (HKDF-SHA256 with its own label):
 * no other secret is made with it, and nothing about it is stored.
 */
export function csrfKeyOf(serverKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', serverKey, 'tessera session', 'csrf token', 32));
}

/**
 * A session's CSRF token: HMAC-SHA256 of its id under the CSRF key. Derived, not stored: any node
 * with the server key can check it, and it is worth nothing without the session's cookie.
 */
export function csrfTokenOf(csrfKey: Uint8Array, sessionId: string): string {
  return createHmac('sha256', csrfKey).update(`csrf\n${sessionId}`).digest('base64url');
}

/** Whether `presented` is the session's CSRF token, compared in constant time. */
export function csrfTokenMatches(csrfKey: Uint8Array, sessionId: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(csrfKey, sessionId));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Requests that change nothing; every other method needs the CSRF header when a cookie authenticates it. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
