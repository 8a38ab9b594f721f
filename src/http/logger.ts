import type { FastifyServerOptions } from 'fastify';

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
 */
export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
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
