import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Tessera, TesseraError } from '../src/index.js';
import { AnswerDroppingProxy } from './support/answer-dropping-proxy.js';
import { describeEachServer } from './support/server.js';

await describeEachServer('Tessera client: a retry after a lost answer acts once', (server) => {
  let proxy: AnswerDroppingProxy;
  /** Straight to the server, to set up and to look. */
  let direct: Tessera;
  /** Through the proxy that loses answers. */
  let lossy: Tessera;

  before(async () => {
    proxy = await AnswerDroppingProxy.start(server.url);
    direct = new Tessera({ url: server.url, token: server.admin });
    lossy = new Tessera({ url: proxy.url, token: server.admin, retry: { baseDelayMs: 10 } });
  });
  after(() => proxy?.close());

  /** Runs `call` with the next `count` answers lost, and checks that they were. */
  async function losing<T>(count: number, call: () => Promise<T>): Promise<T> {
    const before = proxy.dropped;
    proxy.dropAnswers(count);
    try {
      return await call();
    } finally {
      assert.equal(proxy.dropped - before, count, 'answers lost');
      proxy.dropAnswers(0);
    }
  }

  it('charges a verification once', async () => {
    const { token, secret } = await direct.tokens.create({ name: 'metered', credits: '10' });
    const result = await losing(2, () => lossy.verify({ token: secret, cost: '3' }));
    assert.deepEqual([result.valid, result.remaining], [true, '7']);
    assert.equal((await direct.tokens.get(token.id)).credits, '7');
  });

  it('without a key, does not repeat a verification whose answer was lost: it was charged once, and the caller is told', async () => {
    const { token, secret } = await direct.tokens.create({ name: 'metered, no key', credits: '10' });
    const error = await losing(1, () => lossy.verify({ token: secret, cost: '3' }, { idempotencyKey: false })).catch((e: unknown) => e);
    assert.ok(error instanceof TesseraError);
    assert.deepEqual([error.code, error.attempts], ['NETWORK_ERROR', 1]);
    assert.equal((await direct.tokens.get(token.id)).credits, '7');
  });

  it('adds credits once', async () => {
    const { token } = await direct.tokens.create({ name: 'topped up', credits: '1' });
    const answer = await losing(1, () => lossy.credits.add(token.id, '5'));
    assert.equal(answer.credits, '6');
    assert.equal((await direct.tokens.get(token.id)).credits, '6');
  });

  it('creates a token once, answering the same secret', async () => {
    const name = `created once ${Date.now()}`;
    const issued = await losing(1, () => lossy.tokens.create({ name }));
    const named = [];
    for await (const token of direct.tokens.list({ limit: 200 })) if (token.name === name) named.push(token);
    assert.deepEqual(
      named.map((t) => t.id),
      [issued.token.id],
    );
    assert.equal((await direct.verify({ token: issued.secret }, { idempotencyKey: false })).valid, true);
  });

  it('holds a reservation once and settles it once', async () => {
    const { token, secret } = await direct.tokens.create({ name: 'reserved', credits: '100' });
    const held = await losing(1, () => lossy.reservations.reserve({ token: secret, amount: '40', ttlMs: 60_000 }));
    assert.deepEqual([held.valid, held.remaining], [true, '60']);
    assert.equal((await direct.tokens.get(token.id)).credits, '60');

    const committed = await losing(1, () => lossy.reservations.commit(held.reservationId!, '15'));
    assert.deepEqual([committed.state, committed.committed], ['committed', '15']);
    assert.equal((await direct.tokens.get(token.id)).credits, '85');

    const second = await direct.reservations.reserve({ token: secret, amount: '10', ttlMs: 60_000 });
    const released = await losing(1, () => lossy.reservations.release(second.reservationId!));
    assert.equal(released.state, 'released');
    assert.equal((await direct.tokens.get(token.id)).credits, '85');
  });

  it('reads again after a lost answer, and gives up after maxAttempts', async () => {
    const { token } = await direct.tokens.create({ name: 'read' });
    assert.equal((await losing(2, () => lossy.tokens.get(token.id))).id, token.id);
    const error = await losing(3, () => lossy.tokens.get(token.id)).catch((e: unknown) => e);
    assert.ok(error instanceof TesseraError);
    assert.deepEqual([error.code, error.attempts], ['NETWORK_ERROR', 3]);
  });
});
