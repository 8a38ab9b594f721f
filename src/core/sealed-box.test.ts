import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openSealed, seal, sealingKey } from './sealed-box.js';

describe('sealed boxes', () => {
  const serverKey = randomBytes(32);
  const key = sealingKey(serverKey, 'signing-key');
  const secret = Buffer.from('the private half of a signing key');

  it('open with the key and context they were sealed under, to what was sealed', () => {
    const sealed = seal(key, secret, 'kid-1', randomBytes);
    assert.match(sealed, /^v1\.[\w-]{16}\.[\w-]+$/);
    assert.deepEqual(openSealed(key, sealed, 'kid-1'), secret);
    assert.notEqual(seal(key, secret, 'kid-1', randomBytes), sealed, 'a fresh nonce each time');
  });

  it('do not open under another server key, another purpose, another context, or altered by one bit', () => {
    const sealed = seal(key, secret, 'kid-1', randomBytes);
    assert.equal(openSealed(sealingKey(randomBytes(32), 'signing-key'), sealed, 'kid-1'), undefined);
    assert.equal(openSealed(sealingKey(serverKey, 'something-else'), sealed, 'kid-1'), undefined);
    assert.equal(openSealed(key, sealed, 'kid-2'), undefined);
    const body = Buffer.from(sealed.split('.')[2]!, 'base64url');
    for (const at of [0, body.length - 1]) {
      const flipped = Buffer.from(body);
      flipped[at] = flipped[at]! ^ 1;
      assert.equal(openSealed(key, `${sealed.split('.').slice(0, 2).join('.')}.${flipped.toString('base64url')}`, 'kid-1'), undefined);
    }
    for (const junk of ['', 'v1', 'v1..', 'v2.AAAAAAAAAAAAAAAA.AAAA', `${sealed}.x`, 'v1.short.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      assert.equal(openSealed(key, junk, 'kid-1'), undefined, junk);
    }
  });

  it('derive one key per purpose, and the same key for the same server key and purpose', () => {
    assert.deepEqual(sealingKey(serverKey, 'signing-key'), key);
    assert.notDeepEqual(sealingKey(serverKey, 'other'), key);
    assert.equal(key.length, 32);
  });
});
