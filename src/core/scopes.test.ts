import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingScopes, SCOPE_PATTERN, scopeCovers } from './scopes.js';

describe('scopes', () => {
  it('match exactly or by a trailing wildcard', () => {
    assert.equal(scopeCovers('docs:read', 'docs:read'), true);
    assert.equal(scopeCovers('docs:read', 'docs:write'), false);
    assert.equal(scopeCovers('*', 'anything:at:all'), true);
    assert.equal(scopeCovers('docs:*', 'docs:read'), true);
    assert.equal(scopeCovers('docs:*', 'doc:read'), false);
    assert.deepEqual(missingScopes(['docs:*', 'billing:read'], ['docs:write', 'billing:write', 'billing:read', 'x']), ['billing:write', 'x']);
    assert.deepEqual(missingScopes([], []), []);
  });

  it('accept only safe scope strings', () => {
    const pattern = new RegExp(SCOPE_PATTERN);
    for (const ok of ['*', 'docs:read', 'a.b/c-d_e', 'docs:*']) assert.equal(pattern.test(ok), true, ok);
    for (const bad of ['', 'has space', 'a*b', '**', 'ü', 'x'.repeat(129)]) assert.equal(pattern.test(bad), false, bad);
  });
});
