import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { csrfKeyOf, csrfTokenMatches, csrfTokenOf, isSafeMethod, isSessionId, newSessionId, sessionDigestOf } from './session.js';

describe('sessions', () => {
  it('makes 43-character base64url ids from 32 random bytes, and recognises only that shape', () => {
    const id = newSessionId(randomBytes);
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 32);
    assert.ok(isSessionId(id));
    for (const odd of [undefined, '', id.slice(1), `${id}A`, `${id.slice(0, 42)}=`, `${id.slice(0, 42)}+`, id.replace(/./, 'é')]) {
      assert.equal(isSessionId(odd), false, String(odd));
    }
  });

  it('stores a digest that is not the id and differs between ids', () => {
    const a = newSessionId(randomBytes);
    const b = newSessionId(randomBytes);
    assert.notEqual(sessionDigestOf(a), a);
    assert.notEqual(sessionDigestOf(a), sessionDigestOf(b));
    assert.equal(sessionDigestOf(a), sessionDigestOf(a));
  });

  it('derives a CSRF token per session and server key, and matches only that token', () => {
    const key = csrfKeyOf(randomBytes(32));
    const other = csrfKeyOf(randomBytes(32));
    const id = newSessionId(randomBytes);
    const token = csrfTokenOf(key, id);
    assert.equal(csrfTokenOf(key, id), token, 'derived, so the same every time');
    assert.ok(csrfTokenMatches(key, id, token));
    assert.equal(csrfTokenMatches(key, newSessionId(randomBytes), token), false, 'another session');
    assert.equal(csrfTokenMatches(other, id, token), false, 'another server key');
    for (const wrong of [undefined, '', token.slice(1), `${token}x`, token.toUpperCase(), id])
      assert.equal(csrfTokenMatches(key, id, wrong), false, String(wrong));
  });

  it('counts GET, HEAD and OPTIONS as safe and every other method as a change', () => {
    assert.deepEqual(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(isSafeMethod), ['GET', 'HEAD', 'OPTIONS']);
  });
});
