import type { FastifyRequest } from 'fastify';
import secureJsonParse from 'secure-json-parse';
import { AppError } from '../core/errors.js';

// PostgreSQL text cannot hold NUL; refusing it everywhere keeps both stores alike.
export const NUL_MESSAGE = 'text may not contain NUL (\\u0000) characters';

/**
 * A JSON request body as text → its value; blank text is no body (undefined). `__proto__` and
 * `constructor.prototype` keys are refused, not parsed, so no object can be poisoned. Every
 * JSON body, on every route and on the verify fast path, is read by this one function.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  if (text.includes('\\u0000') || text.includes('\0')) throw new AppError('VALIDATION_ERROR', NUL_MESSAGE);
  try {
    return secureJsonParse.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    throw new AppError('INVALID_JSON', 'the body is not valid JSON');
  }
}

/**
 * preValidation of a route whose body is optional: no body — none sent, or blank text, which
 * `parseJsonBody` makes undefined — is an empty object. A body that is there is validated as sent,
 * so a JSON `null` is refused like any other body that is not an object.
 */
export async function optionalBody(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
