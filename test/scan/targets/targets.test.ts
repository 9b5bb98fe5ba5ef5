import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEarshotError } from '../../../src/errors.js';
import { prepareTargets } from '../../../src/scan/targets/targets.js';
import { assertTargetError, list, lookups, prepare } from '../../helpers/targets.js';

describe('prepareTargets: syntax', () => {
  it('takes IPv4 and IPv6 addresses, with or without brackets', async () => {
    const prepared = await prepare({ targets: ['127.0.0.1', '::1', '[fd00::2]', 'FD00:0::3'] });
    assert.equal(prepared.count, 4n);
    assert.deepEqual(list(prepared), ['127.0.0.1', '::1', 'fd00::2', 'fd00::3']);
    assert.deepEqual(
      [...prepared].map((target) => target.family),
      ['ipv4', 'ipv6', 'ipv6', 'ipv6'],
    );
  });

  it('keeps an IPv6 zone id on a single address; excluding the address excludes it', async () => {
    assert.deepEqual(list(await prepare({ targets: ['fe80::1%eth0', 'fe80::1'] })), [
      'fe80::1%eth0',
      'fe80::1',
    ]);
    assert.equal((await prepare({ targets: ['fe80::1%eth0'], exclude: ['fe80::/64'] })).count, 0n);
  });

  it('takes CIDR for both families, from the network address up, as nmap does', async () => {
    assert.deepEqual(list(await prepare({ targets: ['10.0.0.5/30'] })), [
      '10.0.0.4',
      '10.0.0.5',
      '10.0.0.6',
      '10.0.0.7',
    ]);
    assert.deepEqual(list(await prepare({ targets: ['fd00::1/126', '[fd00::1:0]/127'] })), [
      'fd00::',
      'fd00::1',
      'fd00::2',
      'fd00::3',
      'fd00::1:0',
      'fd00::1:1',
    ]);
    assert.equal((await prepare({ targets: ['0.0.0.0/0'] })).count, 2n ** 32n);
    assert.equal((await prepare({ targets: ['::/0'] })).count, 2n ** 128n);
  });

  it("takes nmap's octet ranges, lists, open ranges and *", async () => {
    assert.deepEqual(list(await prepare({ targets: ['192.168.3-5,7.1'] })), [
      '192.168.3.1',
      '192.168.4.1',
      '192.168.5.1',
      '192.168.7.1',
    ]);
    const ranges = await prepare({ targets: ['10.0.0-3.1-254'] });
    assert.equal(ranges.count, 4n * 254n);
    assert.deepEqual(list(ranges, 3), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(list(await prepare({ targets: ['10.0.0.*'] }), 300).length, 256);
    assert.deepEqual(list(await prepare({ targets: ['10.0.0.-1', '10.0.1.254-'] })), [
      '10.0.0.0',
      '10.0.0.1',
      '10.0.1.254',
      '10.0.1.255',
    ]);
    assert.equal((await prepare({ targets: ['10.0.0-1.0/24'] })).count, 512n, 'a prefix widens each range');
  });

  it('walks 10.0.0.0/8 and fd00::/64 lazily: exact counts and the first ten at once', async () => {
    const v4 = await prepare({ targets: ['10.0.0.0/8'] });
    assert.equal(v4.count, 2n ** 24n);
    assert.deepEqual(
      list(v4, 10),
      Array.from({ length: 10 }, (_, index) => `10.0.0.${index}`),
    );
    const v6 = await prepare({ targets: ['fd00::/64'] });
    assert.equal(v6.count, 2n ** 64n);
    assert.deepEqual(list(v6, 10), [
      'fd00::',
      ...Array.from({ length: 9 }, (_, index) => `fd00::${index + 1}`),
    ]);
  });

  it('counts a /16 excluded from a /8 without walking the /8', async () => {
    const prepared = await prepare({ targets: ['10.0.0.0/8'], exclude: ['10.0.0.0/16'] });
    assert.equal(prepared.count, 2n ** 24n - 2n ** 16n);
    assert.deepEqual(list(prepared, 2), ['10.1.0.0', '10.1.0.1']);
    const huge = await prepare({ targets: ['fd00::/48'], exclude: ['fd00::/64', 'fd00:0:0:1::1'] });
    assert.equal(huge.count, 2n ** 80n - 2n ** 64n - 1n);
    assert.deepEqual(list(huge, 2), ['fd00:0:0:1::', 'fd00:0:0:1::2']);
  });

  it('rejects bad addresses and ranges with one line naming the input and the fix', async () => {
    await assertTargetError(
      { targets: ['999.1.1.1'] },
      'ERR_TARGET_SPEC',
      /^Invalid target "999.1.1.1": 999 is above 255; each IPv4 octet is 0-255\.$/,
    );
    await assertTargetError(
      { targets: ['10.0.0.0/33'] },
      'ERR_TARGET_SPEC',
      /^Invalid target "10.0.0.0\/33": the prefix length 33 is above 32 for IPv4; use \/0 to \/32\.$/,
    );
    await assertTargetError(
      { targets: ['fd00::/129'] },
      'ERR_TARGET_SPEC',
      /^Invalid target "fd00::\/129": the prefix length 129 is above 128 for IPv6; use \/0 to \/128\.$/,
    );
    await assertTargetError(
      { targets: ['1.2.3'] },
      'ERR_TARGET_SPEC',
      /^Invalid target "1.2.3": an IPv4 address has four parts, this has 3; write all four/,
    );
    await assertTargetError(
      { targets: ['10.0.0.9-2'] },
      'ERR_TARGET_SPEC',
      /the range 9-2 ends below its start; write "2-9"/,
    );
    await assertTargetError({ targets: ['10.0.0.1/x'] }, 'ERR_TARGET_SPEC', /"\/x" is not a prefix length/);
    await assertTargetError(
      { targets: ['fd00::zz'] },
      'ERR_TARGET_SPEC',
      /not a valid IPv6 address; write it like/,
    );
    await assertTargetError(
      { targets: ['fe80::1%eth0/64'] },
      'ERR_TARGET_SPEC',
      /zone id .* only on a single address/,
    );
    await assertTargetError({ targets: ['bad_host!'] }, 'ERR_TARGET_SPEC', /not an IP address, CIDR range/);
    await assertTargetError({ targets: [' '] }, 'ERR_TARGET_SPEC', /^Invalid target "": it is empty/);
    await assertTargetError({ targets: [] }, 'ERR_TARGET_SPEC', /^No targets given: name at least one/);
    await assertTargetError(
      { targets: ['10.0.0.1'], exclude: ['10.0.0.256'] },
      'ERR_TARGET_SPEC',
      /^Invalid exclude "10.0.0.256": 256 is above 255/,
    );
    await assertTargetError({ targets: ['a\u001b]0;x\u0007'] }, 'ERR_TARGET_SPEC', /"a\u001b\]0;x\u0007"/);
  });
});

describe('prepareTargets: names', () => {
  it('resolves each name once, scans its first address and keeps the name', async () => {
    lookups.length = 0;
    const prepared = await prepare({ targets: ['web.test', 'v6.test', 'WEB.test'] });
    assert.deepEqual(lookups.sort(), ['v6.test', 'web.test']);
    assert.deepEqual(list(prepared), ['10.0.0.7(web.test,WEB.test)', 'fd00::1(v6.test)']);
    assert.equal(prepared.count, 2n);
  });

  it('scans an address given twice once, with every name it was given by', async () => {
    const prepared = await prepare({ targets: ['10.0.0.4/30', 'www.test', '10.0.0.7', 'web.test'] });
    assert.equal(prepared.count, 4n);
    assert.deepEqual(list(prepared), ['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7(www.test,web.test)']);
    const singleFirst = await prepare({ targets: ['10.0.0.6', 'web.test', '10.0.0.4/30'] });
    assert.deepEqual(list(singleFirst), ['10.0.0.6', '10.0.0.7(web.test)', '10.0.0.4', '10.0.0.5']);
    assert.equal(singleFirst.count, 4n);
  });

  it('applies a prefix to a name ("web.test/30")', async () => {
    assert.deepEqual(list(await prepare({ targets: ['web.test/30'] })), [
      '10.0.0.4',
      '10.0.0.5',
      '10.0.0.6',
      '10.0.0.7(web.test)',
    ]);
    await assertTargetError({ targets: ['web.test/33'] }, 'ERR_TARGET_SPEC', /prefix length 33 is above 32/);
  });

  it('excludes every address of an excluded name', async () => {
    const prepared = await prepare({ targets: ['10.0.0.6/31', 'fd00::6/127'], exclude: ['web.test'] });
    assert.deepEqual(list(prepared), ['10.0.0.6', 'fd00::6']);
  });

  it('fails before any scan when a name does not resolve', async () => {
    await assertTargetError(
      { targets: ['10.0.0.1', 'nosuch.test'] },
      'ERR_TARGET_RESOLVE',
      /^Cannot resolve "nosuch.test" \(ENOTFOUND\): check the name, or give its IP address\.$/,
    );
    await assertTargetError(
      { targets: ['empty.test'] },
      'ERR_TARGET_RESOLVE',
      /"empty.test": it has no addresses/,
    );
    await assertTargetError(
      { targets: ['10.0.0.1'], exclude: ['nosuch.test'] },
      'ERR_TARGET_RESOLVE',
      /nosuch.test/,
    );
  });

  it('rejects what a resolver returns when it is not an IP address', async () => {
    await assert.rejects(
      prepareTargets(
        { targets: ['odd.test'] },
        { resolve: async () => [{ address: '1.2.3', family: 'ipv4' }] },
      ),
      (error) => {
        assert.ok(isEarshotError(error, 'ERR_TARGET_RESOLVE'));
        assert.match(error.message, /^Resolving "odd.test" gave "1.2.3", which is not an IP address/);
        return true;
      },
    );
  });

  it('resolves the real localhost through the system resolver', async () => {
    const prepared = await prepareTargets({ targets: ['localhost'] });
    const [target] = [...prepared];
    assert.equal(prepared.count, 1n);
    assert.ok(target && ['127.0.0.1', '::1'].includes(target.address), String(target?.address));
    assert.deepEqual(target.hostnames, ['localhost']);
  });

  it('stops on abort, before and during resolution, with the signal reason', async () => {
    const reason = new Error('stop');
    await assert.rejects(
      prepare({ targets: ['10.0.0.1'] }, { signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    const controller = new AbortController();
    const pending = prepareTargets(
      { targets: ['hang.test'] },
      { resolve: () => new Promise(() => {}), signal: controller.signal },
    );
    setTimeout(() => controller.abort(reason), 20);
    await assert.rejects(pending, (error) => error === reason);
  });
});
