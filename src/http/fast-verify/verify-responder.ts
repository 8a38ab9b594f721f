import type { FastifyBaseLogger } from 'fastify';
import fastJsonStringify from 'fast-json-stringify';
import { httpStatusOf } from '../../core/errors.js';
import type { MaybeAsync } from '../../lib/maybe-async.js';
import type { Services } from '../../service/services.js';
import { classifyError, errorHeaders } from '../error-handler.js';
import { parseJsonBody } from '../json-body.js';
import { logRequest, logRequestStart, logsAt } from '../logger.js';
import { VERIFY_RESPONSES, VerifyBody, type VerifyResult } from '../schemas/verify-schemas.js';
import { validatorCompiler } from '../validator.js';
import { answerVerify } from '../verify-answer.js';
import { isKeptView, type TokenView } from '../views.js';

export const VERIFY_PATH = '/v1/verify';

/** What a verification is answered: its status, headers beyond the usual, and body. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  payload: string;
}

/** One verification under way: when it started, its id, its caller. */
export interface Call {
  started: number;
  id: string;
  ip: string;
}

export interface ResponderOptions {
  services: Pick<Services, 'verify' | 'clock' | 'metrics'>;
  /** The app's logger: the same request line as every route's (logger.ts). */
  log: FastifyBaseLogger;
  /** The app's request id source, so ids stay unique across every path. */
  requestId: () => string;
  /** Whether any proxy is trusted: then a request with X-Forwarded-For is left to Fastify, which knows whose to believe. */
  trustProxy: boolean;
  /** True once the app is closing: new requests are left to Fastify, answers say `Connection: close`. */
  closing: () => boolean;
  bodyLimit: number;
}

/** The request headers that decide whether a verification is plain, as Node names them. */
export interface PlainRequestHeaders {
  'content-type'?: string;
  'content-length'?: string;
  'content-encoding'?: string;
  'transfer-encoding'?: string;
  'idempotency-key'?: string | string[];
  'x-forwarded-for'?: string | string[];
}

const compileBody = () =>
  validatorCompiler()({ schema: VerifyBody, httpPart: 'body', method: 'POST', url: VERIFY_PATH }) as ((body: unknown) => boolean) & {
    errors?: unknown[] | null;
  };

// The route's response schemas, compiled as Fastify compiles them, so every path writes the same
// bytes; a status without a schema (500) is written by JSON.stringify, as Fastify does.
const serializers = new Map(Object.entries(VERIFY_RESPONSES).map(([status, schema]) => [Number(status), fastJsonStringify(schema)]));
const serializeAnswer = serializers.get(200)!;

// A cached token's view is kept (views.ts), so the common answer — valid, the token, nothing
// metered — is serialized once per kept view too, by the same serializer.
const plainValidAnswers = new WeakMap<TokenView, string>();
function serialized(answer: VerifyResult): string {
  const { token } = answer;
  if (!token || answer.code !== 'VALID' || answer.remaining !== undefined || answer.rateLimit !== undefined) return serializeAnswer(answer);
  let payload = plainValidAnswers.get(token);
  if (payload === undefined) {
    payload = serializeAnswer(answer);
    if (isKeptView(token)) plainValidAnswers.set(token, payload);
  }
  return payload;
}

const answered = (answer: VerifyResult): Reply => ({ status: 200, headers: {}, payload: serialized(answer) });

/**
 * `POST /v1/verify` answered outside Fastify's route, in the request listener
 * (install-fast-verify.ts) that takes plain verifications before Fastify sees them. A plain verification is the exact path, a JSON body
 * with a `Content-Length` within the limit and no `Content-Encoding`, no `Idempotency-Key`
 * (replays need the route's hooks), no forwarded address to trust, the app not closing;
 * everything else is Fastify's.
 *
 * What a taken request gets is what the route would answer — the same body parser, the same
 * validator and schema, the same `answerVerify`, the same error classification and
 * serializers, the same request metrics and log lines. test/http/verify-fast-path.test.ts holds
 * the fast path to the route's answers over every outcome and bad body.
 */
export class VerifyResponder {
  readonly closing: () => boolean;
  readonly bodyLimit: number;
  readonly #options: ResponderOptions;
  readonly #validate = compileBody();
  readonly #requests;
  /** Whether verifications are logged (at level debug): decided once, so that otherwise no log line's fields are even put together. */
  readonly #logs: boolean;

  constructor(options: ResponderOptions) {
    this.#options = options;
    this.closing = options.closing;
    this.bodyLimit = options.bodyLimit;
    this.#requests = options.services.metrics.requestsOf('POST', VERIFY_PATH);
    this.#logs = logsAt(options.log, 'debug');
  }

  /** Whether a `POST /v1/verify` with these headers is plain. */
  takes(headers: PlainRequestHeaders): boolean {
    const type = headers['content-type'];
    if (type !== 'application/json' && type?.toLowerCase() !== 'application/json; charset=utf-8') return false;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= this.bodyLimit) || headers['transfer-encoding'] !== undefined) return false;
    // Any Content-Encoding, `identity` too, is left to the route, which refuses every other coding.
    if (headers['content-encoding'] !== undefined) return false;
    return headers['idempotency-key'] === undefined && !(this.#options.trustProxy && headers['x-forwarded-for'] !== undefined) && !this.closing();
  }

  /** A taken request begins: its id (and a log line at level debug). */
  start(ip: string): Call {
    const started = performance.now();
    const id = this.#options.requestId();
    if (this.#logs) logRequestStart(this.#options.log, id, 'POST', VERIFY_PATH, ip);
    return { started, id, ip };
  }

  /** The answer to a body, at once when the verification needed no wait (a cached token); never throws or rejects. */
  answer(call: Call, text: string): MaybeAsync<Reply> {
    let body: unknown;
    try {
      // An absent body is validated as null, as Fastify does.
      body = parseJsonBody(text) ?? null;
    } catch (thrown) {
      // Fastify's route closes the connection after a body it could not parse; so do these paths.
      const reply = this.#failed(thrown, call);
      reply.headers.connection = 'close';
      return reply;
    }
    try {
      if (!this.#validate(body)) throw Object.assign(new Error('invalid body'), { validation: this.#validate.errors, validationContext: 'body' });
      const answer = answerVerify(this.#options.services, body as VerifyBody, call.ip);
      if (answer instanceof Promise) return answer.then(answered).catch((thrown: unknown) => this.#failed(thrown, call));
      return answered(answer);
    } catch (thrown) {
      return this.#failed(thrown, call);
    }
  }

  /** The headers every path writes with a reply, in the route's order. */
  headersOf(call: Call, reply: Reply): Record<string, string | number> {
    return {
      'x-request-id': call.id,
      ...reply.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(reply.payload),
      ...(this.closing() ? { connection: 'close' } : {}),
    };
  }

  /** A reply was written: the request counted and logged. */
  finished(call: Call, status: number): void {
    const elapsedMs = performance.now() - call.started;
    this.#requests.observe(status, elapsedMs / 1000);
    if (this.#logs)
      logRequest(this.#options.log, { reqId: call.id, method: 'POST', route: VERIFY_PATH, ip: call.ip, status, responseTimeMs: elapsedMs }, 'debug');
  }

  /** An error as the route's error handler answers it. */
  #failed(thrown: unknown, call: Call): Reply {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const { code, message } = classifyError(error);
    const status = httpStatusOf(code);
    if (code === 'INTERNAL_ERROR') this.#options.log.error({ reqId: call.id, err: error }, 'unhandled error');
    const body = { error: { code, message, requestId: call.id } };
    return { status, headers: errorHeaders(error), payload: (serializers.get(status) ?? JSON.stringify)(body) };
  }
}
