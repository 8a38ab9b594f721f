import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { holdAnswersUntilTurnEnds } from './turn-writes.js';

/** What happened first for one request: the answer leaving, or a setImmediate the handler queued. */
async function orderFor(size: number): Promise<{ order: string[]; body: string }> {
  const app = Fastify();
  holdAnswersUntilTurnEnds(app);
  const order: string[] = [];
  app.get('/', (_request, reply) => {
    reply.raw.once('finish', () => order.push('answered'));
    setImmediate(() => order.push('turn ended'));
    reply.type('text/plain').send('x'.repeat(size));
  });
  const response = await app.inject({ method: 'GET', url: '/' });
  await new Promise((resolve) => setImmediate(resolve));
  await app.close();
  return { order, body: response.body };
}

describe('holdAnswersUntilTurnEnds', () => {
  it('sends a small answer once the turn has ended, whole', async () => {
    const { order, body } = await orderFor(100);
    assert.deepEqual(order, ['turn ended', 'answered']);
    assert.equal(body, 'x'.repeat(100));
  });

  it('sends a large answer at once: holding it would keep it alive through the turn', async () => {
    const { order, body } = await orderFor(20_000);
    assert.deepEqual(order, ['answered', 'turn ended']);
    assert.equal(body.length, 20_000);
  });
});
