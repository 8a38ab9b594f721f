import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Tessera, TesseraError, type Token } from '../src/index.js';
import { describeEachServer } from './support/server.js';

/** Awaits `call` and returns the TesseraError it fails with. */
async function failure(call: Promise<unknown>): Promise<TesseraError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof TesseraError, `not a TesseraError: ${String(error)}`);
    return error;
  }
  assert.fail('the call succeeded');
}

await describeEachServer('Tessera client against tessera serve', (server) => {
  const client = () => new Tessera({ url: server.url, token: server.admin });

  it('creates, reads, lists, updates, rotates, revokes and deletes tokens', async () => {
    const tessera = client();
    const issued = await tessera.tokens.create({ name: 'sdk first', scopes: ['docs:read'], metadata: { plan: 'pro' } });
    assert.match(issued.secret, /^tsk_/);
    assert.equal(issued.token.name, 'sdk first');
    assert.deepEqual(issued.token.metadata, { plan: 'pro' });

    const read = await tessera.tokens.get(issued.token.id);
    assert.equal(read.id, issued.token.id);
    assert.equal(read.status, 'active');

    const updated = await tessera.tokens.update(issued.token.id, { name: 'sdk renamed', scopes: ['docs:*'] });
    assert.equal(updated.name, 'sdk renamed');
    assert.deepEqual(updated.scopes, ['docs:*']);

    const rotated = await tessera.tokens.rotate(issued.token.id, { gracePeriodMs: 0 });
    assert.notEqual(rotated.secret, issued.secret);
    assert.equal(rotated.token.rotatedFromId, issued.token.id);
    assert.equal((await tessera.verify({ token: rotated.secret })).valid, true);

    const revoked = await tessera.tokens.revoke(rotated.token.id);
    assert.equal(revoked.status, 'revoked');
    assert.equal((await tessera.verify({ token: rotated.secret })).code, 'REVOKED');

    await tessera.tokens.delete(rotated.token.id);
    assert.equal((await failure(tessera.tokens.get(rotated.token.id))).code, 'TOKEN_NOT_FOUND');
  });

  it('lists tokens page by page as an async iterator', async () => {
    const tessera = client();
    const marker = `page-${Date.now()}`;
    const made = new Set<string>();
    for (let i = 0; i < 5; i++) made.add((await tessera.tokens.create({ name: `${marker}-${i}` })).token.id);

    const pages = [];
    for await (const page of tessera.tokens.pages({ limit: 2 })) pages.push(page);
    assert.ok(pages.length >= 3, `${pages.length} pages of 2`);
    assert.ok(pages.slice(0, -1).every((page) => page.items.length === 2 && page.nextCursor !== null));
    assert.equal(pages.at(-1)!.nextCursor, null);

    const listed: Token[] = [];
    for await (const token of tessera.tokens.list({ limit: 2 })) listed.push(token);
    const ids = listed.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length, 'no token twice');
    assert.deepEqual(
      ids,
      pages.flatMap((page) => page.items.map((t) => t.id)),
    );
    for (const id of made) assert.ok(ids.includes(id));

    // A loop that stops early fetches no further page.
    let seen = 0;
    for await (const _token of tessera.tokens.list({ limit: 1 })) if (++seen === 2) break;
    assert.equal(seen, 2);

    const revoked = [];
    for await (const token of tessera.tokens.list({ status: 'revoked' })) revoked.push(token);
    assert.ok(revoked.every((t) => t.status === 'revoked'));
  });

  it('verifies one token and a batch, charging credits', async () => {
    const tessera = client();
    const { secret } = await tessera.tokens.create({ name: 'metered', credits: '10', scopes: ['docs:read'] });

    const valid = await tessera.verify({ token: secret, cost: '2.5', scopes: ['docs:read'] });
    assert.equal(valid.valid, true);
    assert.equal(valid.code, 'VALID');
    assert.equal(valid.remaining, '7.5');
    assert.equal(valid.token?.name, 'metered');

    const refused = await tessera.verify({ token: secret, scopes: ['admin'] }, { idempotencyKey: false });
    assert.deepEqual([refused.valid, refused.code], [false, 'INSUFFICIENT_PERMISSIONS']);

    const results = await tessera.verifyBatch({ tokens: [secret, { token: secret, cost: '0.5' }, 'tsk_not_a_token'], cost: '1' });
    assert.deepEqual(
      results.map((r) => [r.code, r.remaining]),
      [
        ['VALID', '6.5'],
        ['VALID', '6'],
        ['NOT_FOUND', undefined],
      ],
    );
  });

  it('serves as a KeyVerifier for the middleware: verify(secret, requirements)', async () => {
    const tessera = client();
    const { secret } = await tessera.tokens.create({ name: 'for middleware', credits: '3', scopes: ['docs:read'] });
    const verifier = tessera.keyVerifier();
    const charged = await verifier.verify(secret, { scopes: ['docs:read'], cost: '2' });
    assert.deepEqual([charged.code, charged.remaining, charged.token?.name], ['VALID', '1', 'for middleware']);
    assert.equal((await verifier.verify(secret, { scopes: ['docs:write'] })).code, 'INSUFFICIENT_PERMISSIONS');
  });

  it("changes a token's balance and a shared pool", async () => {
    const tessera = client();
    const { token, secret } = await tessera.tokens.create({ name: 'balance', credits: '5' });
    assert.equal((await tessera.credits.add(token.id, '2.25')).credits, '7.25');
    const set = await tessera.credits.set(token.id, '1');
    assert.equal(set.credits, '1');
    assert.equal(set.token.id, token.id);
    assert.equal((await tessera.verify({ token: secret })).remaining, '0');

    const pooled = await tessera.tokens.create({ name: 'pooled', creditPool: true });
    const owner = pooled.token.ownerUserId;
    assert.equal((await tessera.credits.setPool(owner, '20')).credits, '20');
    assert.equal((await tessera.credits.addToPool(owner, '5')).credits, '25');
    assert.equal((await tessera.verify({ token: pooled.secret, cost: '4' })).remaining, '21');
    const pool = await tessera.credits.pool(owner);
    assert.deepEqual([pool.ownerId, pool.credits], [owner, '21']);
  });

  it('reserves, commits, releases and reads reservations without a management token', async () => {
    const { secret } = await client().tokens.create({ name: 'reserved', credits: '100' });
    const tessera = new Tessera({ url: server.url });

    const held = await tessera.reservations.reserve({ token: secret, amount: '30', ttlMs: 60_000 });
    assert.equal(held.valid, true);
    assert.equal(held.remaining, '70');
    const id = held.reservationId!;
    assert.equal((await tessera.reservations.get(id)).state, 'open');
    const committed = await tessera.reservations.commit(id, '12');
    assert.deepEqual([committed.id, committed.state, committed.committed], [id, 'committed', '12']);
    assert.equal((await tessera.verify({ token: secret, cost: '0' })).remaining, '88');

    const second = await tessera.reservations.reserve({ token: secret, amount: '50', ttlMs: 60_000 });
    const released = await tessera.reservations.release(second.reservationId!);
    assert.equal(released.state, 'released');
    assert.equal((await tessera.verify({ token: secret, cost: '0' })).remaining, '88');

    const tooMuch = await tessera.reservations.reserve({ token: secret, amount: '500', ttlMs: 60_000 });
    assert.deepEqual([tooMuch.valid, tooMuch.code, tooMuch.reservationId], [false, 'USAGE_EXCEEDED', undefined]);
  });

  it("fails with a TesseraError carrying the API's code, status and request id", async () => {
    const tessera = client();
    const missing = await failure(tessera.tokens.get('tok_00000000000000000000000000'));
    assert.equal(missing.code, 'TOKEN_NOT_FOUND');
    assert.equal(missing.status, 404);
    assert.match(missing.requestId ?? '', /^req_/);
    assert.equal(missing.name, 'TesseraError');

    const anonymous = await failure(new Tessera({ url: server.url }).tokens.create({ name: 'x' }));
    assert.deepEqual([anonymous.code, anonymous.status], ['UNAUTHORIZED', 401]);

    const invalid = await failure(tessera.tokens.create({ name: '' }));
    assert.deepEqual([invalid.code, invalid.status], ['VALIDATION_ERROR', 400]);

    const { token } = await tessera.tokens.create({ name: 'key reuse' });
    await tessera.credits.add(token.id, '1', { idempotencyKey: 'sdk-reused-key' });
    const mismatch = await failure(tessera.credits.add(token.id, '2', { idempotencyKey: 'sdk-reused-key' }));
    assert.deepEqual([mismatch.code, mismatch.status], ['IDEMPOTENCY_MISMATCH', 422]);

    const reservation = await failure(tessera.reservations.commit('res_000000000000000000000000000', '1'));
    assert.deepEqual([reservation.code, reservation.status], ['NOT_FOUND', 404]);
  });
});
