import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presentedKey, type KeyReader } from '../src/presented-key.js';

function request(headers: Record<string, string>, query: Record<string, string> = {}): KeyReader {
  return { header: (name) => headers[name], query: (name) => query[name] };
}

describe('presentedKey', () => {
  it('takes the key from Authorization: Bearer, the scheme in any case', () => {
    assert.equal(presentedKey({}, request({ authorization: 'Bearer tsk_a' })), 'tsk_a');
    assert.equal(presentedKey({}, request({ authorization: 'bearer  tsk_a ' })), 'tsk_a');
  });

  it('finds no key in another scheme, an empty header or none', () => {
    assert.equal(presentedKey({}, request({ authorization: 'Basic dXNlcjpwYXNz' })), undefined);
    assert.equal(presentedKey({}, request({ authorization: 'Bearer ' })), undefined);
    assert.equal(presentedKey({}, request({})), undefined);
  });

  it('takes the whole value of a configured header, by any case of its name', () => {
    assert.equal(presentedKey({ header: 'X-API-Key' }, request({ 'x-api-key': 'tsk_b' })), 'tsk_b');
    assert.equal(presentedKey({ header: 'X-API-Key' }, request({ authorization: 'Bearer tsk_a' })), undefined);
  });

  it('falls back to a configured query parameter; the header wins', () => {
    assert.equal(presentedKey({ query: 'api_key' }, request({}, { api_key: 'tsk_q' })), 'tsk_q');
    assert.equal(presentedKey({ query: 'api_key' }, request({ authorization: 'Bearer tsk_a' }, { api_key: 'tsk_q' })), 'tsk_a');
    assert.equal(presentedKey({}, request({}, { api_key: 'tsk_q' })), undefined);
    assert.equal(presentedKey({ query: 'api_key' }, request({}, { api_key: '' })), undefined);
  });
});
