import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import fastJsonStringify from 'fast-json-stringify';
import { httpStatusOf } from '../core/errors.js';
import type { MaybeAsync } from '../core/maybe-async.js';
import type { Services } from '../service/services.js';
import { classifyError, errorHeaders } from './error-handler.js';
import { parseJsonBody } from './json-body.js';
import { VERIFY_RESPONSES } from './routes/verify-routes.js';
import { VerifyBody } from './schemas/token-schemas.js';
import { validatorCompiler } from './validator.js';
import { answerVerify, type VerifyAnswer, type VerifyRequest } from './verify-answer.js';

const VERIFY_PATH = '/v1/verify';

/** What a taken request is answered: its status, headers beyond the usual, and body. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  payload: string;
}

export interface VerifyFastPathOptions {
  services: Services;
  /** The app's logger: the same request lines as Fastify writes, when its level asks for them. */
  log: FastifyBaseLogger;
  /** The app's request id source, so ids stay unique across both paths. */
  requestId: () => string;
  /** Behind a proxy the client address comes from X-Forwarded-For: such requests are left to Fastify. */
  trustProxy: boolean;
  /** True once the app is closing: new requests are left to Fastify, answers say `Connection: close`. */
  closing: () => boolean;
  bodyLimit: number;
}

const compileBody = () =>
  validatorCompiler()({ schema: VerifyBody, httpPart: 'body', method: 'POST', url: VERIFY_PATH }) as ((body: unknown) => boolean) & {
    errors?: unknown[] | null;
  };

// The route's response schemas, compiled as Fastify compiles them, so both paths write the same
// bytes; a status without a schema (500) is written by JSON.stringify, as Fastify does.
const serializers = new Map(Object.entries(VERIFY_RESPONSES).map(([status, schema]) => [Number(status), fastJsonStringify(schema)]));
const serializeAnswer = serializers.get(200)!;

// A token's view is built once per cached record (views.ts), so the common answer — valid, the
// token, nothing metered — is serialized once per view too, by the same serializer.
const plainValidAnswers = new WeakMap<object, string>();
function serialized(answer: VerifyAnswer): string {
  const { token } = answer;
  if (!token || answer.code !== 'VALID' || answer.remaining !== undefined || answer.rateLimit !== undefined) return serializeAnswer(answer);
  let payload = plainValidAnswers.get(token);
  if (payload === undefined) plainValidAnswers.set(token, (payload = serializeAnswer(answer)));
  return payload;
}

const answered = (answer: VerifyAnswer): Reply => ({ status: 200, headers: {}, payload: serialized(answer) });

/**
 * The hottest request, `POST /v1/verify`, answered beside Fastify rather than through it:
 * verification is what callers do millions of times, and Fastify's per-request machinery
 * (routing, hook chains, reply object, content-type parser, serializer lookup) costs more
 * than the verification itself.
 *
 * Only the plain case is taken: the exact path, a JSON body with a Content-Length within the
 * limit, no Idempotency-Key (replays need the route's hooks), no forwarded address to trust,
 * the app not closing. Everything else returns false and goes to Fastify, whose route
 * answers it. What a taken request gets is what the route would answer — the same body
 * parser, the same validator and schema, the same `answerVerify`, the same error
 * classification and serializers, the same request metrics and log lines; the tests in
 * test/http/verify-fast-path.test.ts hold both paths to byte-identical answers.
 */
export function verifyFastPath(options: VerifyFastPathOptions): (request: IncomingMessage, response: ServerResponse) => boolean {
  const { services, log, requestId, trustProxy, closing, bodyLimit } = options;
  const validate = compileBody();
  const requests = services.metrics.requestsOf('POST', VERIFY_PATH);
  // pino's level, when the app logs at all (Fastify's stand-in for no logger has no levels).
  const logsRequests = () => (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') === true;

  const takes = (request: IncomingMessage): boolean => {
    if (request.method !== 'POST' || request.url !== VERIFY_PATH || closing()) return false;
    const headers = request.headers;
    const type = headers['content-type'];
    if (type !== 'application/json' && type?.toLowerCase() !== 'application/json; charset=utf-8') return false;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= bodyLimit) || headers['transfer-encoding'] !== undefined) return false;
    return headers['idempotency-key'] === undefined && !(trustProxy && headers['x-forwarded-for'] !== undefined);
  };

  /** An error as the route's error handler answers it. */
  const failed = (thrown: unknown, id: string, requestLog: FastifyBaseLogger | undefined): Reply => {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    const { code, message } = classifyError(error);
    const status = httpStatusOf(code);
    if (code === 'INTERNAL_ERROR') (requestLog ?? log).error({ err: error }, 'unhandled error');
    const body = { error: { code, message, requestId: id } };
    return { status, headers: errorHeaders(error), payload: (serializers.get(status) ?? JSON.stringify)(body) };
  };

  /** The answer, at once when the verification needed no wait (a cached token); never throws or rejects. */
  const respond = (text: string, ip: string, id: string, requestLog: FastifyBaseLogger | undefined): MaybeAsync<Reply> => {
    try {
      // An absent body is validated as null, as Fastify does.
      const body = parseJsonBody(text) ?? null;
      if (!validate(body)) throw Object.assign(new Error('invalid body'), { validation: validate.errors, validationContext: 'body' });
      const answer = answerVerify(services, body as VerifyRequest, ip);
      if (answer instanceof Promise) return answer.then(answered).catch((thrown: unknown) => failed(thrown, id, requestLog));
      return answered(answer);
    } catch (thrown) {
      return failed(thrown, id, requestLog);
    }
  };

  return (request, response) => {
    if (!takes(request)) return false;
    const started = performance.now();
    const id = requestId();
    const ip = request.socket.remoteAddress ?? '';
    const requestLog = logsRequests() ? log.child({ reqId: id }) : undefined;
    requestLog?.info({ req: { method: 'POST', url: VERIFY_PATH, ip } }, 'incoming request');

    const send = ({ status, headers, payload }: Reply) => {
      response.writeHead(status, {
        'x-request-id': id,
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
        ...(closing() ? { connection: 'close' } : {}),
      });
      response.end(payload);
      const elapsedMs = performance.now() - started;
      requests.observe(status, elapsedMs / 1000);
      requestLog?.info({ res: { statusCode: status }, responseTime: elapsedMs }, 'request completed');
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      const reply = respond(text, ip, id, requestLog);
      if (reply instanceof Promise) void reply.then(send);
      else send(reply);
    });
    return true;
  };
}
