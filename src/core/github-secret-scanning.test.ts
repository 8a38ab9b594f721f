import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseScanningKeys, scanningSignatureValid } from './github-secret-scanning.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const doc = (keys: unknown) => JSON.stringify({ public_keys: keys });

describe("GitHub's secret scanning keys and signatures", () => {
  it("reads GitHub's published document, and refuses one that is not it, naming what is wrong", () => {
    assert.deepEqual(
      parseScanningKeys(doc([{ key_identifier: 'k1', key: pem, is_current: true }])).map((k) => k.id),
      ['k1'],
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const [text, problem] of [
      ['not json', /not JSON/],
      ['{}', /public_keys/],
      [doc([]), /public_keys/],
      [doc([{ key: pem }]), /key_identifier/],
      [doc([{ key_identifier: 'k', key: 'garbage' }]), /not a PEM/],
      [doc([{ key_identifier: 'k', key: rsa }]), /P-256/],
      [doc([{ key_identifier: 'k', key: p384 }]), /P-256/],
    ] as const) {
      assert.throws(() => parseScanningKeys(text), problem, text);
    }
  });

  it('accepts a signature over the exact bytes by the named key, and nothing else', () => {
    const keys = parseScanningKeys(doc([{ key_identifier: 'k1', key: pem }]));
    const body = Buffer.from('[{"token":"x","type":"t"}]');
    const signature = sign('sha256', body, ec.privateKey).toString('base64');
    assert.equal(scanningSignatureValid(keys, 'k1', signature, body), true);
    assert.equal(scanningSignatureValid(keys, 'k2', signature, body), false);
    assert.equal(scanningSignatureValid(keys, 'k1', signature, Buffer.from(`${body} `)), false);
    assert.equal(scanningSignatureValid(keys, 'k1', undefined, body), false);
    assert.equal(scanningSignatureValid(keys, undefined, signature, body), false);
    assert.equal(scanningSignatureValid(keys, 'k1', 'bm90IGEgc2lnbmF0dXJl', body), false);
  });
});
