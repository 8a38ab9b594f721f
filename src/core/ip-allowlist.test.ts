import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipAllowed, parseCidr } from './ip-allowlist.js';

describe('IP allowlists', () => {
  it('parse addresses and CIDR ranges', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    assert.deepEqual(parseCidr('2001:db8::1'), { address: '2001:db8::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0/8', 'garbage', '::1/129', '1.2.3.4/8/9', '1.2.3.4/-1']) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });

  it('match IPv4, IPv6 and IPv4-mapped addresses; unparseable entries never match', () => {
    const list = ['10.0.0.0/8', '2001:db8::/32', 'not a range'];
    assert.equal(ipAllowed(list, '10.255.0.1'), true);
    assert.equal(ipAllowed(list, '11.0.0.1'), false);
    assert.equal(ipAllowed(list, '2001:db8:1::5'), true);
    assert.equal(ipAllowed(list, '2001:db9::5'), false);
    assert.equal(ipAllowed(list, '::ffff:10.1.2.3'), true);
    assert.equal(ipAllowed(list, 'not an ip'), false);
    assert.equal(ipAllowed([], '10.0.0.1'), false);
  });
});
