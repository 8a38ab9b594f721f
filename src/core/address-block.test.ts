import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressBlock } from './address-block.js';

describe('addressBlock', () => {
  it('is an IPv4 address itself, and an IPv4-mapped IPv6 address however it is spelled', () => {
    for (const spelling of [
      '198.51.100.22',
      '::ffff:198.51.100.22',
      '::FFFF:198.51.100.22',
      '0:0:0:0:0:ffff:198.51.100.22',
      '::ffff:c633:6416',
      '0:0::ffff:c633:6416',
    ]) {
      assert.equal(addressBlock(spelling), '198.51.100.22', spelling);
    }
  });

  it('is the /64 of an IPv6 address, in one spelling', () => {
    for (const spelling of [
      '2001:db8:7:7::1',
      '2001:DB8:7:7:ffff::1',
      '2001:0db8:0007:0007:0:0:0:1',
      '2001:db8:7:7::1.2.3.4',
      'fe80::1%eth0'.replace('fe80::', '2001:db8:7:7::'),
    ]) {
      assert.equal(addressBlock(spelling), '2001:db8:7:7::/64', spelling);
    }
    assert.notEqual(addressBlock('2001:db8:7:8::1'), addressBlock('2001:db8:7:7::1'));
    assert.equal(addressBlock('::1'), '0:0:0:0::/64');
    assert.notEqual(addressBlock('::ffff:8.8.8.8'), addressBlock('::1'), 'a mapped address is not the loopback block');
  });

  it('leaves anything else as it is', () => {
    assert.equal(addressBlock('not-an-ip'), 'not-an-ip');
  });
});
