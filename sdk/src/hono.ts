// @tessera/sdk/hono: Hono (4) middleware that lets through only requests with a good key.
import type { Context, MiddlewareHandler } from 'hono';
import { createGuard, type GuardOptions, type Verified } from './guard.js';

/** The context variables `tessera()` sets: `c.get('tessera')`, undefined when `onError` let a request through unverified. */
export interface TesseraVariables {
  tessera: Verified | undefined;
}

export type TesseraEnv = { Variables: TesseraVariables };

export type TesseraOptions = GuardOptions<Context>;

/**
 * `app.get('/docs', tessera({ verifier, scopes: ['docs:read'] }), (c) => …)`: verifies the key of
 * each request and sets `c.get('tessera')`, or answers 401, 402, 403, 429 or 503 with problem+json.
 * The client's address is the socket's under `@hono/node-server` (what its `getConnInfo` reads);
 * elsewhere, or behind a proxy, pass `ip`, e.g. `ip: (c) => getConnInfo(c).remote.address`.
 */
export function tessera(options: TesseraOptions): MiddlewareHandler<TesseraEnv> {
  const guard = createGuard<Context>(options, {
    key: (c) => ({ header: (name) => c.req.header(name), query: (name) => c.req.query(name) }),
    ip: nodeSocketAddress,
  });
  return async (c, next) => {
    const outcome = await guard(c);
    if (!outcome.pass) {
      const { status, headers, body } = outcome.refusal;
      return new Response(JSON.stringify(body), { status, headers: { ...headers, 'Content-Type': 'application/problem+json' } });
    }
    c.set('tessera', outcome.verified);
    await next();
    for (const [name, value] of Object.entries(outcome.headers)) c.header(name, value);
  };
}

/** The address `@hono/node-server` saw, read as its `getConnInfo` does, without importing it (so this loads on any runtime). */
function nodeSocketAddress(c: Context): string | undefined {
  const env = c.env as { server?: NodeBindings; incoming?: NodeBindings['incoming'] } | undefined;
  const bindings: NodeBindings | undefined = env?.server ?? (env as NodeBindings | undefined);
  return bindings?.incoming?.socket?.remoteAddress;
}

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

export type { Verified };
