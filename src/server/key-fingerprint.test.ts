import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { keyFingerprint, keyMismatch } from './key-fingerprint.js';

describe('keyFingerprint', () => {
  it('is the same for the same key, another for another key, and 64 hex characters', () => {
    const key = randomBytes(32);
    assert.equal(keyFingerprint(Buffer.from(key)), keyFingerprint(key));
    assert.notEqual(keyFingerprint(randomBytes(32)), keyFingerprint(key));
    assert.match(keyFingerprint(key), /^[0-9a-f]{64}$/);
  });

  it('is neither the key nor its plain hash', () => {
    const key = randomBytes(32);
    const fingerprint = keyFingerprint(key);
    for (const form of [key.toString('hex'), key.toString('base64url'), createHash('sha256').update(key).digest('hex')]) {
      assert.equal(fingerprint.includes(form), false);
    }
  });
});

describe('keyMismatch', () => {
  it('says nothing when the fingerprints agree', () => {
    const fingerprint = keyFingerprint(randomBytes(32));
    assert.equal(keyMismatch(fingerprint, fingerprint), undefined);
  });

  it('names both fingerprints by their first 8 characters, and what to set', () => {
    const recorded = keyFingerprint(randomBytes(32));
    const own = keyFingerprint(randomBytes(32));
    const message = keyMismatch(recorded, own)!;
    assert.ok(message.includes(recorded.slice(0, 8)) && message.includes(own.slice(0, 8)));
    assert.equal(message.includes(recorded.slice(0, 9)) || message.includes(own.slice(0, 9)), false, 'no more of either');
    assert.match(message, /TESSERA_SECRET_KEY/);
    assert.match(message, /secret\.key/);
  });
});
