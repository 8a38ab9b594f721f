import type { FastifyRequest } from 'fastify';
import secureJsonParse from 'secure-json-parse';
import { AppError } from '../core/errors.js';
import { hasLoneSurrogate } from '../core/lone-surrogate.js';

// PostgreSQL text cannot hold NUL; refusing it everywhere keeps both stores alike.
export const NUL_MESSAGE = 'text may not contain NUL (\\u0000) characters';

/**
 * JSON in UTF-8, the only way a body is read. Fastify matches a RegExp parser against the content
 * type as it parsed and wrote it back — the media type in lower case, then `; name="value"` for
 * each parameter, names in lower case — so a charset other than utf-8 is `; charset="…"` here,
 * whatever its spelling in the header. Any other content type has no parser: 415.
 */
export const JSON_IN_UTF8 = /^application\/json(?=;|$)(?!.*; charset="(?!utf-8"))/i;

/** Bodies are read as sent: a compressed one would be parsed as if it were plain text. Refuses any content coding but `identity`. */
export function assertNoContentCoding(request: FastifyRequest): void {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body without a content coding (Content-Encoding)');
  }
}

// Only a `\uD800`–`\uDFFF` escape can put half a surrogate pair in a body read as UTF-8; a body
// without one is not walked.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * A JSON request body as text → its value; blank text is no body (undefined). `__proto__` and
 * `constructor.prototype` keys are refused, not parsed, so no object can be poisoned; so are NUL
 * and half a surrogate pair, which the stores cannot keep. Every JSON body, on every route and
 * on the verify fast path, is read by this one function.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (text.includes('\\u0000') || text.includes('\0')) throw new AppError('VALIDATION_ERROR', NUL_MESSAGE);
  let value: unknown;
  try {
    value = secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new AppError('INVALID_JSON', 'the body is not valid JSON');
  }
  // Like NUL, text no store keeps as sent is refused everywhere, rather than changed by one of them.
  if (SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    throw new AppError('VALIDATION_ERROR', 'text may not contain half of a UTF-16 surrogate pair (a lone \\uD800–\\uDFFF)');
  }
  return value;
}

/**
 * preValidation of a route whose body is optional: no body — none sent, or blank text, which
 * `parseJsonBody` makes undefined — is an empty object. A body that is there is validated as sent,
 * so a JSON `null` is refused like any other body that is not an object.
 */
export async function optionalBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
