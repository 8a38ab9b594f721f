// @tessera/sdk/express: Express (4 and 5) middleware that lets through only requests with a good key.
import type { Request, RequestHandler, Response } from 'express';
import { createGuard, type GuardOptions, type Verified } from './guard.js';
import type { Refusal } from './refusal.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified key's answer, set by `tessera()`; undefined when `onError` let a request through unverified. */
      tessera?: Verified;
    }
  }
}

export type TesseraOptions = GuardOptions<Request>;

/**
 * `app.get('/docs', tessera({ verifier, scopes: ['docs:read'] }), handler)`: verifies the key of
 * each request and sets `req.tessera`, or answers 401, 402, 403, 429 or 503 with problem+json.
 * The client's address is `req.ip`, which follows Express's `trust proxy` setting.
 */
export function tessera(options: TesseraOptions): RequestHandler {
  const guard = createGuard<Request>(options, {
    key: (req) => ({
      header: (name) => req.get(name),
      query: (name) => {
        const value: unknown = req.query[name];
        return typeof value === 'string' ? value : undefined;
      },
    }),
    ip: (req) => req.ip,
  });
  return (req, res, next) => {
    guard(req).then((outcome) => {
      if (!outcome.pass) return refuse(res, outcome.refusal);
      res.set(outcome.headers);
      req.tessera = outcome.verified;
      next();
    }, next);
  };
}

function refuse(res: Response, refusal: Refusal): void {
  res.status(refusal.status).set(refusal.headers).type('application/problem+json').send(JSON.stringify(refusal.body));
}

export type { Verified };
