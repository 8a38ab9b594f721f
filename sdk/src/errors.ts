import type { ApiErrorCode } from './types.js';

/**
 * Failures that never got an answer from tessera: `TIMEOUT` (an attempt took longer than
 * `timeoutMs`), `NETWORK_ERROR` (the connection failed or was cut), `ABORTED` (the caller's
 * signal), and `UNEXPECTED_RESPONSE` (an answer not in tessera's shape: a proxy's error page).
 */
export type ClientErrorCode = 'TIMEOUT' | 'NETWORK_ERROR' | 'ABORTED' | 'UNEXPECTED_RESPONSE';

/** Why a JWT was refused; `TesseraError.code` carries one. */
export type JwtErrorCode =
  /** Not a JWT at all, or one with another algorithm or `typ` than tessera's. */
  | 'JWT_MALFORMED'
  /** The signature does not verify with any key the server publishes (tampered, or not tessera's). */
  | 'JWT_SIGNATURE_INVALID'
  /** Its `exp` has passed. */
  | 'JWT_EXPIRED'
  /** Its `nbf` has not come yet. */
  | 'JWT_NOT_YET_VALID'
  /** Its `aud` does not name the audience this verifier is for. */
  | 'JWT_WRONG_AUDIENCE'
  /** Its `iss` is not the server this verifier trusts. */
  | 'JWT_WRONG_ISSUER'
  /** A claim tessera always sets is missing or of the wrong type. */
  | 'JWT_CLAIM_INVALID'
  /** Valid, but its scopes do not cover the ones the call requires. */
  | 'JWT_INSUFFICIENT_SCOPE'
  /** The key set could not be fetched: the JWT could not be checked (fail closed). */
  | 'JWKS_UNAVAILABLE';

export type TesseraErrorCode = ApiErrorCode | ClientErrorCode | JwtErrorCode;

/**
 * Every failure of a call: the API's errors with its stable `code`, HTTP `status` and
 * `requestId` (to find the request in the server's log), and the client's own codes when no
 * answer came. Branch on `code`; `message` is for people.
 */
export class TesseraError extends Error {
  override readonly name = 'TesseraError';
  readonly code: TesseraErrorCode;
  /** The HTTP status; undefined when there was no answer. */
  readonly status: number | undefined;
  /** The server's id for the request (`x-request-id`), when it answered. */
  readonly requestId: string | undefined;
  /** How many attempts the call made, retries included. */
  readonly attempts: number;

  constructor(
    code: TesseraErrorCode,
    message: string,
    details: { status?: number | undefined; requestId?: string | undefined; attempts?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.attempts = details.attempts ?? 1;
  }
}
