import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { TurnQueue } from '../../lib/turn.js';
import { VERIFY_PATH, VerifyResponder, type Reply, type ResponderOptions } from './verify-responder.js';

/** A request listener in front of Fastify's: true when it took the request, false to leave it to Fastify. */
export type FastPath = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface FastVerifyOptions {
  services: ResponderOptions['services'];
  /** The app's request id source, so ids stay unique across every path. */
  requestId: () => string;
  /** Whether any proxy is trusted: then a request with X-Forwarded-For is left to Fastify, which knows whose to believe. */
  trustProxy: boolean;
  bodyLimit: number;
}

/**
 * The hottest request, `POST /v1/verify`, answered beside Fastify rather than through it:
 * verification is what callers do millions of times, and Fastify's per-request machinery
 * (routing, hook chains, reply object, content-type parser, serializer lookup) costs more
 * than the verification itself. The listener this returns sits in front of Fastify's handler,
 * behind Node's own HTTP parser, and takes the plain verifications (VerifyResponder.takes);
 * everything else returns false and goes to Fastify, whose route answers it. Node's `request`
 * event and diagnostics_channel see every verification either way.
 *
 * The one entry point of the fast path: `buildApp` calls it once the app exists.
 */
export function installFastVerify(app: FastifyInstance, options: FastVerifyOptions): FastPath {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const responder = new VerifyResponder({ ...options, log: app.log, closing: () => closing });
  // Answers decided at once are sent when the turn has read every request ready in it, with the
  // turn's other answers (turn-writes.ts says why), all from one callback.
  const sendAtTurnEnd = new TurnQueue<() => void>((sends) => {
    for (const send of sends) send();
  });
  return (request, response) => {
    if (request.method !== 'POST' || request.url !== VERIFY_PATH || !responder.takes(request.headers)) return false;
    const call = responder.start(request.socket.remoteAddress ?? '');
    const send = (reply: Reply) => {
      response.writeHead(reply.status, responder.headersOf(call, reply));
      response.end(reply.payload);
      responder.finished(call, reply.status);
    };
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      const reply = responder.answer(call, text);
      if (reply instanceof Promise) void reply.then(send);
      else sendAtTurnEnd.push(() => send(reply));
    });
    return true;
  };
}
