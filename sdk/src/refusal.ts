import type { RateLimitState, VerifyAnswer, VerifyCode, VerifyRequirements } from './verify-answer.js';

/** Why the middleware refused a request: a verify code, or a key that never reached tessera. */
export type RefusalCode = Exclude<VerifyCode, 'VALID'> | 'MISSING_KEY' | 'VERIFIER_UNAVAILABLE';

/** An RFC 9457 problem details body, with tessera's code as an extension member. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: RefusalCode;
  /** USAGE_EXCEEDED: the credits the key has left. */
  remaining?: string;
}

/** The answer to a refused request: status, headers and an `application/problem+json` body. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: Problem;
}

export interface RefusalOptions {
  /** The realm of the `WWW-Authenticate` challenge. */
  realm: string;
  /** A base URI for problem types (`type` is it plus the code in kebab case); `about:blank` when not given. */
  problemTypeBase?: string | undefined;
}

export function statusOf(code: RefusalCode): number {
  switch (code) {
    case 'MISSING_KEY':
    case 'NOT_FOUND':
    case 'REVOKED':
    case 'DISABLED':
    case 'EXPIRED':
      return 401;
    // Credits are a quota that waiting does not bring back (a refill aside): paying for more does.
    case 'USAGE_EXCEEDED':
      return 402;
    case 'INSUFFICIENT_PERMISSIONS':
    case 'FORBIDDEN':
      return 403;
    case 'RATE_LIMITED':
      return 429;
    case 'VERIFIER_UNAVAILABLE':
      return 503;
  }
}

const STATUS_PHRASES: Record<number, string> = {
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

const TITLES: Record<RefusalCode, string> = {
  MISSING_KEY: 'Missing API key',
  NOT_FOUND: 'Unknown API key',
  REVOKED: 'Revoked API key',
  DISABLED: 'Suspended API key',
  EXPIRED: 'Expired API key',
  INSUFFICIENT_PERMISSIONS: 'Insufficient permissions',
  FORBIDDEN: 'Address not allowed',
  RATE_LIMITED: 'Rate limit exceeded',
  USAGE_EXCEEDED: 'Usage exceeded',
  VERIFIER_UNAVAILABLE: 'Key verification unavailable',
};

const PAST_USE = { REVOKED: 'revoked', DISABLED: 'suspended', EXPIRED: 'expired' } as const;

/** How a refused request is answered. `now` (ms since the epoch) turns a rate limit's `resetAt` into seconds to wait. */
export function refusalFor(
  code: RefusalCode,
  answer: VerifyAnswer | undefined,
  requirements: VerifyRequirements,
  options: RefusalOptions,
  now: number,
): Refusal {
  const status = statusOf(code);
  const headers: Record<string, string> = {};
  const realm = `realm=${quoted(options.realm)}`;
  let detail: string;
  switch (code) {
    case 'MISSING_KEY':
      headers['WWW-Authenticate'] = `Bearer ${realm}`;
      detail = 'This request needs an API key.';
      break;
    case 'NOT_FOUND':
    case 'REVOKED':
    case 'DISABLED':
    case 'EXPIRED': {
      detail = code === 'NOT_FOUND' ? 'The API key is not known.' : `The API key is ${PAST_USE[code]}.`;
      headers['WWW-Authenticate'] = `Bearer ${realm}, error="invalid_token", error_description=${quoted(detail)}`;
      break;
    }
    case 'INSUFFICIENT_PERMISSIONS': {
      const scopes = requirements.scopes?.length ? `, scope=${quoted(requirements.scopes.join(' '))}` : '';
      headers['WWW-Authenticate'] = `Bearer ${realm}, error="insufficient_scope"${scopes}`;
      detail = 'The API key is not allowed to do this (its scopes, resource, environment or project).';
      break;
    }
    case 'FORBIDDEN':
      detail = 'The API key may not be used from this address.';
      break;
    case 'RATE_LIMITED': {
      const limit = answer?.rateLimit;
      if (limit) Object.assign(headers, retryHeaders(limit, now));
      detail = limit ? `The API key's rate limit "${limit.name}" is spent.` : "The API key's rate limit is spent.";
      break;
    }
    case 'USAGE_EXCEEDED':
      detail = 'The API key has not enough credits left for this request.';
      break;
    case 'VERIFIER_UNAVAILABLE':
      detail = 'The API key could not be verified; try again later.';
      break;
  }
  const type = options.problemTypeBase === undefined ? 'about:blank' : options.problemTypeBase + code.toLowerCase().replaceAll('_', '-');
  // RFC 9457: with `about:blank`, the title is the status's own phrase.
  const title = type === 'about:blank' ? STATUS_PHRASES[status]! : TITLES[code];
  const body: Problem = { type, title, status, detail, code };
  if (code === 'USAGE_EXCEEDED' && answer?.remaining !== undefined) body.remaining = answer.remaining;
  return { status, headers, body };
}

/** `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds from now), as tessera sends them on its own 429s. */
export function rateLimitHeaders(limit: RateLimitState, now: number): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit.limit),
    'RateLimit-Remaining': String(limit.remaining),
    'RateLimit-Reset': String(Math.max(0, Math.ceil((limit.resetAt - now) / 1000))),
  };
}

/** A refusal's `Retry-After`: until the limit is whole again (tessera's answer says no sooner time), at least a second. */
function retryHeaders(limit: RateLimitState, now: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil((limit.resetAt - now) / 1000))), ...rateLimitHeaders(limit, now) };
}

/** An RFC 9110 quoted-string. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
