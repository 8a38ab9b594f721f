import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { openSealed, sealingKey } from '../../src/core/sealed-box.js';
import { SEALING_PURPOSE, SigningKeyService } from '../../src/service/signing-key-service.js';
import type { SigningKeyRecord } from '../../src/store/signing-key-store.js';
import { ManualClock } from '../support/app-harness.js';
import { describeEachStore } from '../support/store-factories.js';

let made = 0;
/** A record as the service would make it; the contract does not look inside the key material. */
function record(at: number, more: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  made++;
  return {
    kid: `kid-${made}-${randomBytes(4).toString('hex')}`,
    alg: 'EdDSA',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: randomBytes(32).toString('base64url') },
    sealedPrivateKey: `v1.${randomBytes(12).toString('base64url')}.${randomBytes(64).toString('base64url')}`,
    createdAt: at,
    activatedAt: at,
    retiredAt: null,
    ...more,
  };
}

const isConflict = (error: unknown) => error instanceof AppError && error.code === 'CONFLICT';

await describeEachStore('SigningKeyStore contract', (stores, database) => {
  it('starts empty, stores a first key as it was given, and refuses a second first key', async () => {
    assert.deepEqual(await stores.signingKeys.list(), []);
    const first = record(1_000);
    await stores.signingKeys.addFirst(first);
    assert.deepEqual(await stores.signingKeys.list(), [first]);
    await assert.rejects(stores.signingKeys.addFirst(record(2_000)), isConflict);
    assert.deepEqual(await stores.signingKeys.list(), [first]);
  });

  it('rotates: the current key retired at the new one’s activation, the new one current, newest first', async () => {
    const [current] = await stores.signingKeys.list();
    const next = record(5_000);
    assert.deepEqual(await stores.signingKeys.rotate(next), { retired: current!.kid });
    const keys = await stores.signingKeys.list();
    assert.deepEqual(keys, [next, { ...current!, retiredAt: 5_000 }]);
    assert.equal(keys.filter((k) => k.retiredAt === null).length, 1);
    await assert.rejects(stores.signingKeys.rotate({ ...record(6_000), kid: next.kid }), isConflict, 'a kid is stored once');
    assert.deepEqual(await stores.signingKeys.list(), keys, 'the refused rotation retired nothing');
  });

  it('ends with one current key when rotations race: each lands whole or is refused with CONFLICT', async () => {
    const before = (await stores.signingKeys.list()).length;
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => stores.signingKeys.rotate(record(10_000 + n))));
    for (const outcome of outcomes) if (outcome.status === 'rejected') assert.ok(isConflict(outcome.reason), String(outcome.reason));
    const landed = outcomes.filter((o) => o.status === 'fulfilled').length;
    assert.ok(landed >= 1);
    const keys = await stores.signingKeys.list();
    assert.equal(keys.length, before + landed);
    assert.equal(keys.filter((k) => k.retiredAt === null).length, 1);
  });

  it('keeps the private key sealed: its `d` is nowhere in the stored row, and another server key cannot open it', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5));
    const serverKey = randomBytes(32);
    const service = new SigningKeyService({ store: stores.signingKeys, serverKey, runtime: clock }, { refreshMs: 30_000, maxTokenLifetimeMs: 900_000 });
    const { kid } = await service.rotate(0);
    const stored = (await stores.signingKeys.list()).find((k) => k.kid === kid)!;
    const jwk = JSON.parse(openSealed(sealingKey(serverKey, SEALING_PURPOSE), stored.sealedPrivateKey, kid)!.toString('utf8'));
    // The opened key is the private half of the published one.
    const derived = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' })).export({ format: 'jwk' });
    assert.equal(derived.x, stored.publicJwk.x);
    const d = Buffer.from(jwk.d as string, 'base64url');
    assert.equal(d.length, 32);
    const encodings = [
      d.toString('base64url'),
      d.toString('base64'),
      d.toString('hex'),
      d.toString('hex').toUpperCase(),
      d.toString('latin1'),
      jwk.d as string,
    ];
    const raw = database.query
      ? JSON.stringify(await database.query(`select * from signing_keys where kid = ?`, [kid]), (_key, value: unknown) =>
          // A bytea or blob column would come back as a Buffer: look at its bytes too.
          value && typeof value === 'object' && 'type' in value && (value as { type: string }).type === 'Buffer'
            ? Buffer.from((value as unknown as { data: number[] }).data).toString('latin1')
            : value,
        )
      : JSON.stringify(stored);
    assert.ok(raw.includes(kid), 'the row read is the key’s');
    for (const text of encodings) assert.ok(!raw.includes(text), `the stored row holds d (${text.length} chars)`);
    assert.ok(!raw.includes('"d"'), 'no JWK member d');

    const stranger = new SigningKeyService(
      { store: stores.signingKeys, serverKey: randomBytes(32), runtime: clock },
      { refreshMs: 30_000, maxTokenLifetimeMs: 900_000 },
    );
    await assert.rejects(stranger.current(), /does not open with this server key/);
    assert.equal((await service.current()).kid, kid);
    assert.equal((await service.current()).privateKey.extractable, false);
  });
});

await describeEachStore('SigningKeyService on a store', (stores) => {
  // One server key for the database, as a server has.
  const serverKey = randomBytes(32);
  it('makes one current key when many first uses race, and every caller signs with it', async () => {
    const clock = new ManualClock();
    const nodes = [1, 2, 3].map(
      () => new SigningKeyService({ store: stores.signingKeys, serverKey, runtime: clock }, { refreshMs: 30_000, maxTokenLifetimeMs: 900_000 }),
    );
    const keys = await Promise.all(nodes.flatMap((node) => [node.current(), node.current()]));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal((await stores.signingKeys.list()).length, 1);
  });

  it('publishes a rotated-in key at once, signs with it from its activation on every node, and publishes the old one until its last JWT has expired', async () => {
    const clock = new ManualClock();
    const options = { refreshMs: 30_000, maxTokenLifetimeMs: 900_000 };
    const [a, b] = [1, 2].map(() => new SigningKeyService({ store: stores.signingKeys, serverKey, runtime: clock }, options));
    const first = (await a!.current()).kid;
    assert.equal((await b!.current()).kid, first);
    const rotation = await a!.rotate(60_000);
    const second = rotation.kid;
    assert.deepEqual(rotation, { kid: second, retired: first, activatedAt: clock.now() + 60_000 });
    assert.equal((await a!.current()).kid, first, 'the old key signs until the new one’s activation');
    assert.deepEqual((await a!.published()).map((k) => k.kid).sort(), [first, second].sort(), 'the new key is published at once');
    assert.deepEqual(
      (await b!.published()).map((k) => k.kid),
      [first],
      'another node has not re-read the keys yet',
    );
    clock.advance(30_000);
    assert.deepEqual((await b!.published()).map((k) => k.kid).sort(), [first, second].sort(), 'within the refresh it has');
    assert.equal((await b!.current()).kid, first);
    assert.deepEqual(
      (await a!.list()).map((k) => [k.kid, k.state]),
      [
        [second, 'next'],
        [first, 'current'],
      ],
    );
    clock.advance(30_000);
    assert.equal((await a!.current()).kid, second, 'at the activation, on one node');
    assert.equal((await b!.current()).kid, second, 'and on the other');
    clock.advance(30_000 + 900_000 - 1);
    assert.deepEqual((await b!.published()).map((k) => k.kid).sort(), [first, second].sort(), 'published until retired + refresh + lifetime');
    clock.advance(1);
    assert.deepEqual(
      (await b!.published()).map((k) => k.kid),
      [second],
    );
    const listed = await a!.list();
    assert.deepEqual(
      listed.map((k) => [k.kid, k.state]),
      [
        [second, 'current'],
        [first, 'expired'],
      ],
    );
    assert.ok(listed.every((k) => !('sealedPrivateKey' in k) && !('publicJwk' in k)));
    const third = await a!.rotate(0);
    assert.equal(third.activatedAt, clock.now());
    assert.equal((await a!.current()).kid, third.kid, 'activated at once when asked to');
  });
});
