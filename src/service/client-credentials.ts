import { AppError } from '../core/errors.js';

/**
 * How a caller of the OAuth endpoints says who it is (RFC 6749 §2.3): a tessera personal token,
 * either as a bearer token or as HTTP Basic client credentials whose client_id is that token's id
 * and whose client_secret is its secret.
 */
export type ClientCredentials = { kind: 'bearer'; secret: string } | { kind: 'basic'; clientId: string; secret: string };

/** Longer than any id or secret tessera makes, many times over: more is no client's. */
const MAX_PART = 1024;

/**
 * The client credentials of an Authorization header, undefined when there is none. A header
 * that is there but cannot be read (another scheme, bad base64, no colon, not UTF-8, an empty id
 * or secret) is a failed client authentication: UNAUTHORIZED, which the OAuth routes answer as
 * 401 invalid_client with a challenge (RFC 6749 §5.2).
 */
export function clientCredentialsOf(authorization: string | undefined): ClientCredentials | undefined {
  if (authorization === undefined) return undefined;
  const header = authorization.trim();
  const bearer = /^bearer +(\S+)$/i.exec(header);
  if (bearer) return { kind: 'bearer', secret: bearer[1]! };
  const basic = /^basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header);
  if (!basic) throw refused('send Authorization: Basic <client_id:client_secret> or Bearer <token>');
  const decoded = strictUtf8(Buffer.from(basic[1]!, 'base64'));
  // The id cannot hold a colon once encoded (RFC 6749 §2.3.1 form-encodes both parts); the secret is all after the first.
  const colon = decoded?.indexOf(':') ?? -1;
  if (decoded === undefined || colon < 0) throw refused('the Basic credentials are not base64 of client_id:client_secret in UTF-8');
  const clientId = formDecoded(decoded.slice(0, colon));
  const secret = formDecoded(decoded.slice(colon + 1));
  if (!clientId || !secret || clientId.length > MAX_PART || secret.length > MAX_PART) {
    throw refused('the Basic credentials need a client_id (the token id) and a client_secret (its secret)');
  }
  return { kind: 'basic', clientId, secret };
}

function refused(message: string): AppError {
  return new AppError('UNAUTHORIZED', message);
}

/** The bytes as UTF-8 text, or undefined when they are not UTF-8. */
function strictUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** application/x-www-form-urlencoded decoding of one part (RFC 6749 §2.3.1, Appendix B); undefined when a %-escape is broken. */
function formDecoded(text: string): string | undefined {
  try {
    const value = decodeURIComponent(text.replace(/\+/g, ' '));
    return value.includes('\0') ? undefined : value;
  } catch {
    return undefined;
  }
}
