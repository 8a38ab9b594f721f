import type { IncomingMessage, ServerResponse } from 'node:http';
import { VERIFY_PATH, type VerifyReply, type VerifyResponder } from './verify-responder.js';

/**
 * The hottest request, `POST /v1/verify`, answered beside Fastify rather than through it:
 * verification is what callers do millions of times, and Fastify's per-request machinery
 * (routing, hook chains, reply object, content-type parser, serializer lookup) costs more
 * than the verification itself. This listener sits in front of Fastify's handler, behind
 * Node's own HTTP parser, and takes the plain verifications (VerifyResponder.takes); everything
 * else returns false and goes to Fastify, whose route answers it. Node's `request` event and
 * diagnostics_channel see every verification either way.
 */
export function verifyFastPath(responder: VerifyResponder): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    if (request.method !== 'POST' || request.url !== VERIFY_PATH || !responder.takes(request.headers)) return false;
    const call = responder.start(request.socket.remoteAddress ?? '');
    const send = (reply: VerifyReply) => {
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
      else send(reply);
    });
    return true;
  };
}
