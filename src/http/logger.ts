import type { FastifyServerOptions } from 'fastify';

const SECRET_QUERY = /([?&](?:token|secret)=)[^&#]*/gi;

/** A request URL fit for a log line: a `?token=` credential (Vida sends one) is replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[REDACTED]');
}

/** pino options: credentials and secrets never reach a log line. */
export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.secret', '*.token'],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip,
      }),
    },
  };
}
