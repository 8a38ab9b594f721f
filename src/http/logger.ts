import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A verification route: its requests are counted in metrics, and logged one by one only at level debug (logRequest). */
    verification?: boolean;
  }
}

/** How a request names itself in a log line; its URL never appears (see loggerOptions). */
interface LoggedRequest {
  method: string;
  routeOptions?: { url?: string };
  ip?: string;
}

/**
 * pino options: credentials and secrets never reach a log line. A request is logged by its
 * route pattern (`/v1/credits/:reservationId/commit`), never its URL: a path or query can carry
 * a secret (a reservation id, Vida's `DELETE /api/v2/tokens/{secret}`, `?token=`, spelled
 * `?%74oken=` too), and no redaction pattern can know them all. Unmatched requests log as such.
 *
 * `stream` is where lines go: the server passes an asynchronous stdout (a request never waits
 * for its line to be written), tests a stream they read.
 */
export function loggerOptions(level: string, stream?: { write(line: string): unknown }): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.secret', '*.token'],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: LoggedRequest) => ({
        method: req.method,
        route: req.routeOptions?.url ?? '(unmatched)',
        remoteAddress: req.ip,
      }),
    },
  };
}

/** The route config of a verification route (see logRequest). */
export const VERIFICATION = { verification: true };

/** One answered request, as its log line tells it. */
export interface RequestLine {
  reqId: string;
  method: string;
  /** The route pattern, never the URL; undefined: no route matched. */
  route: string | undefined;
  ip: string;
  status: number;
  responseTimeMs: number;
  /** The id of the token that called, when the route asked for one. */
  tokenId?: string | undefined;
}

/**
 * The one line a request gets once answered: what was asked (method and route), by whom
 * (address, and the calling token when there is one), the outcome (status) and how long it took.
 * Fastify's own two lines a request (`incoming request`, `request completed`) are off; at level
 * debug the first is written too, when a request begins (`logRequestStart`). Errors get lines of
 * their own (error-handler.ts).
 *
 * Management requests are logged at level info. Verifications (`verification` routes and the
 * fast path) are logged at level debug: a busy API sends tens of thousands a second, each line
 * would cost about as much CPU as the verification, and what an operator needs of them — how
 * many, by route, status and outcome, how long they took — is in the metrics
 * (`tessera_http_request_duration_seconds`, `tessera_verify_outcomes_total`).
 */
export function logRequest(log: FastifyBaseLogger, line: RequestLine, level: 'info' | 'debug' = 'info'): void {
  if (!logsAt(log, level)) return;
  log[level](
    {
      reqId: line.reqId,
      req: { method: line.method, routeOptions: { url: line.route }, ip: line.ip },
      res: { statusCode: line.status },
      responseTime: line.responseTimeMs,
      ...(line.tokenId === undefined ? {} : { tokenId: line.tokenId }),
    },
    'request completed',
  );
}

/** At level debug: a request has begun (its body may still be on the way). */
export function logRequestStart(log: FastifyBaseLogger, reqId: string, method: string, route: string | undefined, ip: string): void {
  if (!logsAt(log, 'debug')) return;
  log.debug({ reqId, req: { method, routeOptions: { url: route }, ip } }, 'incoming request');
}

/** Whether `log` writes lines of `level` (Fastify's stand-in for no logger has no levels: it writes none). */
export function logsAt(log: FastifyBaseLogger, level: 'info' | 'debug'): boolean {
  return (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.(level) === true;
}
