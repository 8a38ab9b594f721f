import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { assertNoContentCoding, NUL_MESSAGE } from '../json-body.js';
import { OAuthError } from './oauth-errors.js';

const FORM_IN_UTF8 = /^application\/x-www-form-urlencoded(?=;|$)(?!.*;\s*charset=(?!"?utf-8"?\s*(?:;|$)))/i;

/**
 * The one exception to JSON-only: the OAuth endpoints take `application/x-www-form-urlencoded`
 * bodies (RFC 6749 §3.2, RFC 7662 §2.1, RFC 7009 §2.1), in UTF-8, under the same size limit.
 * Applies to the routes of `app`'s scope only, and replaces JSON there: nothing else is parsed.
 *
 * Parsed by WHATWG URLSearchParams, the standard's own parser. A parameter given twice is
 * refused (RFC 6749 §3.2: "MUST NOT be included more than once"), as is a NUL anywhere.
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM_IN_UTF8, { parseAs: 'string' }, (request, body, done) => {
    try {
      assertNoContentCoding(request);
      done(null, formFields(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** A form body's fields, each given once. */
export function formFields(body: string): Record<string, string> {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    if (name.includes('\0') || value.includes('\0')) throw new AppError('VALIDATION_ERROR', NUL_MESSAGE);
    if (Object.hasOwn(fields, name)) throw new OAuthError('invalid_request', `${name} is given more than once`);
    fields[name] = value;
  }
  return { ...fields };
}
