import { TesseraError } from './errors.js';
import { parseRetryAfter, retryDelayMs, shouldRetry, type AttemptOutcome, type RetryPolicy } from './retry.js';

/** What every call takes besides its arguments. */
export interface CallOptions {
  /** Cancels the call, its retries and the waits between them. */
  signal?: AbortSignal;
  /** This call's limit for each attempt, in place of the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** The options of a call the server can recognize when it comes again: creations, charges, reservations. */
export interface IdempotentCallOptions extends CallOptions {
  /**
   * The `Idempotency-Key` the server knows this call by for 24 h, sent on every attempt, so a retry
   * after a lost answer gets the first answer instead of acting twice. Generated when not given;
   * give one of your own to retry across restarts of your process. `false` sends none: the call
   * is then not retried once it may have reached the server (and a verification can take the
   * server's fast path).
   */
  idempotencyKey?: string | false;
}

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The path, its parameters already encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Sends the client's token (the management API); verification and reservations need none. */
  authenticated: boolean;
  /** Acts at most once however often it is sent, key or no key: a revocation, a PATCH that sets fields (a GET always is). */
  repeatable?: boolean;
  idempotencyKey?: string;
}

export interface TransportOptions {
  url: string;
  token: string | undefined;
  timeoutMs: number;
  retry: RetryPolicy;
  fetch: typeof fetch;
}

type Attempt = { ok: true; value: unknown } | { ok: false; error: TesseraError; outcome: AttemptOutcome; retryAfterMs?: number };

/** The key to send with a call that takes one: the caller's, a fresh one, or none when the caller says `false`. */
export function idempotencyKeyFor(options: IdempotentCallOptions): string | undefined {
  if (options.idempotencyKey === false) return undefined;
  return options.idempotencyKey ?? globalThis.crypto.randomUUID();
}

/** Sends requests to tessera: JSON in and out, a timeout per attempt, retries by the policy, every failure a TesseraError. */
export class Transport {
  readonly #base: string;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    // Validated now, so a bad URL fails at construction rather than at the first call.
    this.#base = new URL(options.url).toString().replace(/\/+$/, '');
    this.#options = options;
  }

  async send<T>(request: ApiRequest, options: CallOptions = {}): Promise<T> {
    const policy = this.#options.retry;
    const repeatable = request.method === 'GET' || request.repeatable === true || request.idempotencyKey !== undefined;
    const started = Date.now();
    let earlierLost = false;
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(request, options, attempt);
      if (result.ok) return result.value as T;
      const { error, outcome } = result;
      if (attempt >= policy.maxAttempts || !shouldRetry(outcome, repeatable, earlierLost)) throw error;
      const delay = retryDelayMs(attempt, policy, Math.random(), result.retryAfterMs);
      if (delay === undefined || Date.now() - started + delay > policy.maxElapsedMs) throw error;
      if ('failure' in outcome && outcome.failure !== 'refused') earlierLost = true;
      await sleep(delay, options.signal, attempt);
    }
  }

  async #attempt(request: ApiRequest, options: CallOptions, attempt: number): Promise<Attempt> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    // A timer of our own rather than AbortSignal.timeout: it is cleared as soon as the answer is
    // in, where AbortSignal.timeout's stays pending for the whole timeout after every call.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TesseraError('TIMEOUT', `no answer within ${timeoutMs} ms`, { attempts: attempt })), timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    let response: Response;
    let text: string;
    try {
      response = await this.#options.fetch(this.#url(request), { method: request.method, headers: this.#headers(request), body: bodyOf(request), signal });
      text = await response.text();
    } catch (error) {
      if (options.signal?.aborted) throw aborted(options.signal, attempt);
      if (timeout.signal.aborted) {
        return { ok: false, outcome: { failure: 'timeout' }, error: timeout.signal.reason as TesseraError };
      }
      const failure = connectionRefused(error) ? 'refused' : 'lost';
      const message = `${request.method} ${request.path}: ${error instanceof Error ? describeNetworkError(error) : String(error)}`;
      return { ok: false, outcome: { failure }, error: new TesseraError('NETWORK_ERROR', message, { attempts: attempt, cause: error }) };
    } finally {
      clearTimeout(timer);
    }
    const status = response.status;
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (response.ok) {
      if (text === '') return { ok: true, value: undefined };
      const value = parseJson(text);
      if (value !== undefined) return { ok: true, value };
      const error = new TesseraError('UNEXPECTED_RESPONSE', `HTTP ${status} with a body that is not JSON`, { status, requestId, attempts: attempt });
      return { ok: false, error, outcome: { status } };
    }
    const body = parseJson(text);
    const error = isErrorBody(body)
      ? new TesseraError(body.error.code, body.error.message, { status, requestId: body.error.requestId || requestId, attempts: attempt })
      : new TesseraError('UNEXPECTED_RESPONSE', `HTTP ${status}: ${text.slice(0, 200)}`, { status, requestId, attempts: attempt });
    return { ok: false, error, outcome: { status }, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), Date.now()) };
  }

  #url(request: ApiRequest): URL {
    const url = new URL(this.#base + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  #headers(request: ApiRequest): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.authenticated && this.#options.token !== undefined) headers.authorization = `Bearer ${this.#options.token}`;
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    return headers;
  }
}

// Serialized once per request object and cached: every attempt sends the same bytes, as a replay
// under an Idempotency-Key requires.
const serialized = new WeakMap<ApiRequest, string>();
function bodyOf(request: ApiRequest): string | undefined {
  if (request.body === undefined) return undefined;
  let text = serialized.get(request);
  if (text === undefined) serialized.set(request, (text = JSON.stringify(request.body)));
  return text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isErrorBody(body: unknown): body is { error: { code: TesseraError['code']; message: string; requestId?: string } } {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

function aborted(signal: AbortSignal, attempts: number): TesseraError {
  return new TesseraError('ABORTED', 'the call was aborted', { attempts, cause: signal.reason });
}

/** Codes of the errors (fetch wraps them in `cause`, several connects in an AggregateError) by which the request surely never left. */
function connectionRefused(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (code === 'ECONNREFUSED') return true;
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => connectionRefused(e, depth + 1))) return true;
  return connectionRefused(cause, depth + 1);
}

function describeNetworkError(error: Error): string {
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${error.message} (${detail})` : error.message;
}

function sleep(ms: number, signal: AbortSignal | undefined, attempts: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal, attempts));
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted(signal!, attempts));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
