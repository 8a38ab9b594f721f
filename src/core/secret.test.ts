import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { BASE62_ALPHABET, decodeBase62, encodeBase62, randomBase62 } from './base62.js';
import { deriveSecret, generateSecret, parseSecret, secretSuffix } from './secret.js';
import { TOKEN_PREFIX } from './token.js';

const FORMAT = /^([a-z][a-z0-9]*)_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;

/** Base62 decoding written independently of the module's. */
function referenceDecode(text: string): number {
  return [...text].reduce((n, c) => n * 62 + BASE62_ALPHABET.indexOf(c), 0);
}

describe('secret format', () => {
  for (const prefix of Object.values(TOKEN_PREFIX)) {
    it(`round-trips a ${prefix}_ secret whose last six characters are the CRC32 of the rest`, () => {
      const secret = generateSecret(prefix, randomBytes);
      const match = FORMAT.exec(secret);
      assert.ok(match, secret);
      assert.equal(match[1], prefix);
      assert.equal(referenceDecode(match[3]!), crc32(`${prefix}_${match[2]}`));
      assert.deepEqual(parseSecret(secret), { prefix, text: secret });
      assert.equal(secretSuffix(secret), secret.slice(-4));
    });
  }

  it('rejects every one-character change in the random part, the checksum and the prefix', () => {
    const secret = generateSecret('tsk', randomBytes);
    for (let i = 0; i < secret.length; i++) {
      if (secret[i] === '_') continue;
      const replacement = secret[i] === 'a' ? 'b' : 'a';
      const changed = secret.slice(0, i) + replacement + secret.slice(i + 1);
      assert.equal(parseSecret(changed), undefined, `position ${i}`);
    }
  });

  it('rejects made-up and malformed strings', () => {
    const valid = generateSecret('tsk', randomBytes);
    for (const text of [
      '',
      'tsk_',
      'hello',
      valid.replace('_', ''),
      valid + 'a',
      valid.slice(1),
      `tsk_${'a'.repeat(36)}`,
      valid.replace(/.$/, '-'),
      `TSK${valid.slice(3)}`,
      'x'.repeat(100),
    ]) {
      assert.equal(parseSecret(text), undefined, text);
    }
  });

  it('takes its randomness from the given source only', () => {
    const fixed = (n: number) => new Uint8Array(n).fill(1);
    assert.equal(generateSecret('tsk', fixed), generateSecret('tsk', fixed));
    assert.equal(generateSecret('tsk', fixed).slice(4, 34), '1'.repeat(30));
    assert.notEqual(generateSecret('tsk', randomBytes), generateSecret('tsk', randomBytes));
  });

  it('refuses prefixes that would break the format', () => {
    for (const prefix of ['', 'Tsk', '1ab', 'a_b', 'a'.repeat(17)]) {
      assert.throws(() => generateSecret(prefix, randomBytes), /invalid secret prefix/);
    }
  });
});

describe('base62', () => {
  it('skips bytes at or above 248 so no character is favoured', () => {
    let calls = 0;
    const source = (n: number) => {
      calls++;
      // First call: only biased bytes, all of which must be discarded; then 0, 61, 62 (= '0'), 247 (= 247 % 62 = 61).
      return calls === 1 ? new Uint8Array(n).fill(250) : Uint8Array.from({ length: n }, (_, i) => [0, 61, 62, 247][i % 4]!);
    };
    assert.equal(randomBase62(4, source), '0z0z');
    assert.equal(calls, 2);
  });

  it('encodes with left padding', () => {
    assert.equal(encodeBase62(0, 3), '000');
    assert.equal(encodeBase62(61, 1), 'z');
    assert.equal(encodeBase62(62, 1), '10');
    assert.equal(encodeBase62(0xffffffff, 6), '4gfFC3');
    assert.equal(referenceDecode('4gfFC3'), 0xffffffff);
  });

  it('decodes what it encodes, padding included, and nothing outside its alphabet', () => {
    for (const value of [0, 1, 61, 62, 3843, 0x7fffffff, 0xffffffff]) {
      assert.equal(decodeBase62(encodeBase62(value, 6)), value);
      assert.equal(decodeBase62(encodeBase62(value, 6)), referenceDecode(encodeBase62(value, 6)));
    }
    assert.equal(decodeBase62('zzzzzz'), 62 ** 6 - 1);
    for (const text of ['4gfF-3', '4gf FC', 'é', '_']) assert.ok(Number.isNaN(decodeBase62(text)), text);
  });
});

describe('derived and wrapped secrets', () => {
  it('derives the same well-formed secret from the same key and material, another from any other', () => {
    const key = Buffer.alloc(32, 7);
    const a = deriveSecret('tsk', key, 'development\ndefault');
    assert.equal(parseSecret(a)?.prefix, 'tsk');
    assert.equal(deriveSecret('tsk', key, 'development\ndefault'), a);
    assert.notEqual(deriveSecret('tsk', key, 'production\ndefault'), a);
    assert.notEqual(deriveSecret('tsk', Buffer.alloc(32, 8), 'development\ndefault'), a);
  });

  it('accepts a secret inside an Unleash wrapper, and checks the checksum inside it', () => {
    const secret = generateSecret('tsk', randomBytes);
    for (const text of [`default:development.${secret}`, `*:production.${secret}`, `[]:development.${secret}`]) {
      assert.deepEqual(parseSecret(text), { prefix: 'tsk', text });
    }
    const broken = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
    for (const text of [`default:development.${broken}`, `default:development:${secret}`, `:development.${secret}`, `default.${secret}`]) {
      assert.equal(parseSecret(text), undefined, text);
    }
  });
});
