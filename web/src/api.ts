/**
 * The dashboard's one way to call tessera: same-origin fetches carrying the session cookie, JSON
 * in and out, and the session's CSRF token on every request that changes something. Errors come
 * back as ApiError with a sentence a person can read.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | undefined;

/** Set by the session when it signs in or is read; cleared when it ends. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'tessera could not be reached. Check that the server is running and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) throw errorOf(response.status, parsed);
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a person should read for each of the API's error codes; the server's message adds the detail. */
const WORDS: Record<string, string> = {
  UNAUTHORIZED: 'You are not signed in, or your session has ended. Sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  CSRF_TOKEN_INVALID: 'This page’s session check failed. Reload the page and try again.',
  INSUFFICIENT_PERMISSIONS: 'Your token does not have the scope this needs.',
  NOT_FOUND: 'It is not there any more, or you may not see it.',
  TOKEN_NOT_FOUND: 'That token is not there any more, or you may not see it.',
  CONFLICT: 'That clashes with something that exists already.',
  RATE_LIMITED: 'Too many requests just now. Wait a moment and try again.',
  VALIDATION_ERROR: 'Something in the form is not right.',
  POLICY_VIOLATION: 'A token policy forbids this.',
  LAST_ADMIN: 'tessera must keep at least one enabled admin.',
  LAST_TEAM_OWNER: 'A team must keep at least one owner: make someone else an owner first.',
  CANNOT_OFFBOARD_SELF: 'You cannot disable or delete yourself.',
  UNAVAILABLE: 'tessera cannot answer right now. Try again shortly.',
  INTERNAL_ERROR: 'Something went wrong on the server. Try again; if it keeps happening, check its log.',
};

const DETAILED = new Set(['VALIDATION_ERROR', 'FORBIDDEN', 'CONFLICT', 'POLICY_VIOLATION', 'LAST_TEAM_OWNER']);

function errorOf(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = error?.code ?? `HTTP_${status}`;
  const words = WORDS[code] ?? `The server answered ${status}.`;
  // The server's own sentence says what was wrong, why it refused, or what clashed.
  const detail = error?.message && DETAILED.has(code) ? ` (${error.message})` : '';
  return new ApiError(status, code, words + detail);
}

/** A query string from the defined values of `params`. */
/** A query string of the given parameters, leaving out empty ones; a list repeats its name. */
export function query(params: Record<string, string | number | boolean | readonly string[] | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'object') for (const item of value) search.append(key, item);
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
