import type { FastifyInstance } from 'fastify';

/**
 * Prepares `app` for a shutdown that lets requests under way finish, and returns the close to
 * call then. `app.close()` answers new requests 503 and closes idle keep-alive connections, but
 * a connection whose request was under way stays open after its answer until the keep-alive
 * timeout (72 s) — and close waits for it. So answers given while closing say
 * `Connection: close`, and Node ends those connections once they are sent.
 *
 * The close resolves once every connection is closed; connections still open after `timeoutMs`
 * (a client that never finishes its request) are cut, and their number is returned.
 */
export function gracefulClose(app: FastifyInstance): (timeoutMs: number) => Promise<number> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Runs on every answer: a callback hook, not an async one, so it costs no promise.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  return async (timeoutMs) => {
    let cut = 0;
    const deadline = setTimeout(() => {
      app.server.getConnections((_error, count) => {
        cut = count;
        app.server.closeAllConnections();
      });
    }, timeoutMs);
    try {
      await app.close();
    } finally {
      clearTimeout(deadline);
    }
    return cut;
  };
}
