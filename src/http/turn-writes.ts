import type { FastifyInstance } from 'fastify';
import { atTurnEnd } from '../lib/turn.js';

/**
 * Answers go out together once the event loop's turn has read every request ready in it
 * (lib/turn.ts), not one by one as each is decided. Each write to a
 * connection whose client sleeps wakes that client; on a virtual machine the wake-up costs
 * more than the write, and while a turn's writes go out back to back the client is awake for
 * all but the first (what it saved: docs/performance.md, "What each change did").
 */

/**
 * Answers held until the turn ends, at most: holding one keeps it and its request alive through
 * the collections the turn's other requests set off, and a 60 kB batch answer held that way
 * cost three times the CPU (most of it copying them between young-generation spaces).
 */
const MAX_HELD_ANSWER = 8 * 1024;

/**
 * For Fastify's answers: small ones are sent when the turn ends. Node's `res.end()` uncorks its
 * socket whatever else corked it, so the send itself is what waits.
 */
export function holdAnswersUntilTurnEnds(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every answer and costs no promise.
  app.addHook('onSend', (_request, _reply, payload, done) => {
    if (typeof payload === 'string' && payload.length <= MAX_HELD_ANSWER) atTurnEnd(() => done(null, payload));
    else done(null, payload);
  });
}
