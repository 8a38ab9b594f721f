import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { importedKeyOf, type ImportedKeyResult } from './foreign-key-record.js';
import { generateSecret } from './secret.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const key = (result: ImportedKeyResult) => {
  assert.ok('key' in result, JSON.stringify(result));
  return result.key;
};
const problem = (result: ImportedKeyResult) => {
  assert.ok('problem' in result, 'refused');
  return result.problem;
};

describe('importedKeyOf', () => {
  it('takes a digest as hex, base64 and base64url alike', () => {
    const digest = sha256('some old key');
    for (const text of [digest.toString('hex'), digest.toString('hex').toUpperCase(), digest.toString('base64'), digest.toString('base64url')])
      assert.deepEqual(key(importedKeyOf('jsonl', { hash: text })).digest, digest, text);
    assert.match(problem(importedKeyOf('jsonl', { hash: sha256('x').subarray(0, 20).toString('hex') })), /^hash is not a SHA-256 digest/);
  });

  it('hashes a plaintext key, keeps its last 4 characters, and tells a tessera key from a foreign one', () => {
    const foreign = key(importedKeyOf('jsonl', { key: 'sk_live_0123456789' }));
    assert.deepEqual([foreign.digest, foreign.foreign, foreign.suffix], [sha256('sk_live_0123456789'), true, '6789']);
    const own = generateSecret('tsk', (n) => new Uint8Array(n).fill(7));
    assert.equal(key(importedKeyOf('jsonl', { key: own })).foreign, false);
    const broken = own.slice(0, -1) + (own.endsWith('A') ? 'B' : 'A');
    assert.match(problem(importedKeyOf('jsonl', { key: broken })), /^key is not a key tessera can take/);
    assert.match(problem(importedKeyOf('jsonl', { key: 'has space in it' })), /^key /);
    assert.match(problem(importedKeyOf('jsonl', { key: 'abcdefghij', hash: sha256('a').toString('hex') })), /not both/);
    assert.match(problem(importedKeyOf('jsonl', { name: 'nothing' })), /^give key/);
  });

  it('reads times as milliseconds, ISO 8601 and PostgreSQL text, and refuses others naming the field', () => {
    const at = (expiresAt: unknown) => key(importedKeyOf('jsonl', { key: 'abcdefghij', expiresAt })).expiresAt;
    assert.equal(at(1_900_000_000_000), 1_900_000_000_000);
    assert.equal(at('1900000000000'), 1_900_000_000_000);
    assert.equal(at('2030-01-02T03:04:05Z'), Date.UTC(2030, 0, 2, 3, 4, 5));
    assert.equal(at('2030-01-02 03:04:05+02'), Date.UTC(2030, 0, 2, 1, 4, 5));
    assert.equal(at(''), null);
    assert.match(problem(importedKeyOf('jsonl', { key: 'abcdefghij', expiresAt: 'soon' })), /^expiresAt is not a time/);
  });

  it('maps Unleash types and projects, refusing an unknown type or a client token with no projects', () => {
    const admin = key(importedKeyOf('unleash', { secret: '*:*.aabbccddeeff00112233', type: 'admin' }));
    assert.deepEqual([admin.type, admin.projects], ['admin', ['*']]);
    assert.match(problem(importedKeyOf('unleash', { secret: 'x:dev.aabbccddeeff', type: 'superuser' })), /^type must be/);
    assert.match(problem(importedKeyOf('unleash', { secret: '[]:dev.aabbccddeeff', type: 'client' })), /^projects unknown/);
    assert.match(problem(importedKeyOf('unleash', { type: 'client' })), /^secret is missing/);
  });

  it('refuses an Unkey rate limit with half its fields, or one out of range', () => {
    assert.match(problem(importedKeyOf('unkey', { plaintext: 'abcdefghij', ratelimit_limit: '5' })), /both a limit and a duration/);
    assert.match(problem(importedKeyOf('unkey', { plaintext: 'abcdefghij', ratelimit: { limit: 0, duration: 1000 } })), /^ratelimit: limit/);
  });
});
