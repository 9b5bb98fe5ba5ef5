import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopbackAddress, isOwnAddress } from '../../../src/scan/targets/own-addresses.js';

describe('own addresses', () => {
  const own = new Set(['10.231.7.1', 'fd00:231:0:0:0:0:0:1', 'fe80:0:0:0:0:0:0:1']);

  it('counts loopback as own, whatever the interfaces say', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1']) {
      assert.ok(isLoopbackAddress(address), address);
      assert.ok(isOwnAddress(address, new Set()), address);
    }
    assert.equal(isLoopbackAddress('10.231.7.1'), false);
  });

  it('matches an interface address in any spelling, and nothing else', () => {
    assert.ok(isOwnAddress('10.231.7.1', own));
    assert.ok(isOwnAddress('fd00:231::1', own));
    assert.ok(isOwnAddress('FD00:0231:0000::0001', own));
    assert.ok(isOwnAddress('fe80::1%eth0', own));
    for (const other of ['10.231.7.2', 'fd00:231::2', 'not an address', '']) {
      assert.equal(isOwnAddress(other, own), false, other);
    }
  });
});
