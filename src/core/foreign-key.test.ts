import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { classifyKeyText } from './foreign-key.js';
import { generateSecret } from './secret.js';

describe('classifyKeyText', () => {
  it('knows tessera secrets, bare and wrapped the Unleash way', () => {
    const secret = generateSecret('tsk', randomBytes);
    assert.equal(classifyKeyText(secret), 'tessera');
    assert.equal(classifyKeyText(`*:development.${secret}`), 'tessera');
  });

  it('refuses tessera-shaped texts with a wrong checksum without calling them foreign', () => {
    const secret = generateSecret('tsk', randomBytes);
    const last = secret.at(-1) === 'a' ? 'b' : 'a';
    const broken = secret.slice(0, -1) + last;
    assert.equal(classifyKeyText(broken), 'malformed');
    assert.equal(classifyKeyText(`*:development.${broken}`), 'malformed');
  });

  it('calls other systems’ keys foreign: Unkey, Unleash, hex, long ones', () => {
    for (const text of ['uk_3ZbQh5x7kJ2YtV9pRmW4sN', '*:development.964a287e1b728cb5f4f3e0120df92cb5', 'a'.repeat(64), 'sk-live-' + 'Z'.repeat(400)]) {
      assert.equal(classifyKeyText(text), 'foreign', text);
    }
  });

  it('calls too short, too long and non-ASCII texts malformed', () => {
    for (const text of ['', 'short', 'x'.repeat(513), 'has space inside it', 'tab\there-too', 'ünïcödé-key-text']) {
      assert.equal(classifyKeyText(text), 'malformed', JSON.stringify(text));
    }
  });
});
