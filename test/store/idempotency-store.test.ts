import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { IdempotencyRecord } from '../../src/store/idempotency-store.js';
import { T0 } from '../support/fixtures.js';
import { describeEachStore } from '../support/store-factories.js';

const record = (key: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
  scope: 'tok_1:POST /v1/tokens',
  key,
  requestHash: 'h1',
  status: null,
  body: null,
  createdAt: T0,
  expiresAt: T0 + 1000,
  ...overrides,
});

await describeEachStore('IdempotencyStore contract', (stores) => {
  it('lets exactly one of concurrent claims of a key win; the others see its record', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => stores.idempotency.claim(record('k-race'), T0)));
    assert.equal(results.filter((r) => r === true).length, 1);
    for (const r of results.filter((x) => x !== true)) assert.deepEqual(r, record('k-race'));
  });

  it('stores the answer, and gives it back to the next claim', async () => {
    assert.equal(await stores.idempotency.claim(record('k-done'), T0), true);
    await stores.idempotency.complete(record('k-done').scope, 'k-done', 201, '{"a":1}');
    assert.deepEqual(await stores.idempotency.claim(record('k-done', { requestHash: 'h2' }), T0 + 1), record('k-done', { status: 201, body: '{"a":1}' }));
  });

  it('keeps keys apart by scope', async () => {
    assert.equal(await stores.idempotency.claim(record('k-scope'), T0), true);
    assert.equal(await stores.idempotency.claim(record('k-scope', { scope: 'tok_2:POST /v1/tokens' }), T0), true);
  });

  it('frees a released claim, but never an answered one', async () => {
    assert.equal(await stores.idempotency.claim(record('k-rel'), T0), true);
    await stores.idempotency.release(record('k-rel').scope, 'k-rel');
    assert.equal(await stores.idempotency.claim(record('k-rel'), T0), true);
    await stores.idempotency.complete(record('k-rel').scope, 'k-rel', 200, '{}');
    await stores.idempotency.release(record('k-rel').scope, 'k-rel');
    assert.notEqual(await stores.idempotency.claim(record('k-rel'), T0), true);
  });

  it('replaces an expired record on claim, and purges expired ones', async () => {
    assert.equal(await stores.idempotency.claim(record('k-exp'), T0), true);
    await stores.idempotency.complete(record('k-exp').scope, 'k-exp', 200, '{}');
    assert.equal(await stores.idempotency.claim(record('k-exp', { createdAt: T0 + 1000, expiresAt: T0 + 2000 }), T0 + 1000), true);
    assert.ok((await stores.idempotency.purge(T0 + 5000)) >= 1);
    assert.equal(await stores.idempotency.claim(record('k-exp'), T0 + 5000), true);
  });
});
