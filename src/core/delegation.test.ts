import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delegationProblem, inheritedBounds } from './delegation.js';

const open = { scopes: ['*'], expiresAt: null, ipAllowlist: [] };

describe('delegation', () => {
  it('lets an unbounded token grant anything', () => {
    assert.equal(delegationProblem(open, { scopes: ['*'], expiresAt: null, ipAllowlist: [] }), undefined);
    assert.equal(delegationProblem(open, { scopes: ['tokens:read'], expiresAt: 5, ipAllowlist: ['10.0.0.1'] }), undefined);
  });

  it('grants only scopes held, an expiry no later, addresses within', () => {
    const holder = { scopes: ['tokens:*'], expiresAt: 1000, ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'] };
    const ok = { scopes: ['tokens:read'], expiresAt: 1000, ipAllowlist: ['10.1.0.0/16', '2001:db8:1::/48', '10.2.3.4'] };
    assert.equal(delegationProblem(holder, ok), undefined);
    for (const wanted of [
      { ...ok, scopes: ['credits:write'] },
      { ...ok, scopes: ['*'] },
      { ...ok, expiresAt: null },
      { ...ok, expiresAt: 1001 },
      { ...ok, ipAllowlist: [] },
      { ...ok, ipAllowlist: ['10.0.0.0/7'] },
      { ...ok, ipAllowlist: ['11.0.0.1'] },
      { ...ok, ipAllowlist: ['2001:db9::/48'] },
      { ...ok, ipAllowlist: ['not an address'] },
    ]) {
      assert.notEqual(delegationProblem(holder, wanted), undefined, JSON.stringify(wanted));
    }
  });

  it('fills what is left out with the holder’s own bounds', () => {
    const holder = { scopes: ['tokens:write'], expiresAt: 1000, ipAllowlist: ['10.0.0.0/8'] };
    assert.deepEqual(inheritedBounds(holder, {}), holder);
    assert.deepEqual(inheritedBounds(holder, { expiresAt: null, scopes: [] }), { scopes: [], expiresAt: null, ipAllowlist: ['10.0.0.0/8'] });
  });
});
