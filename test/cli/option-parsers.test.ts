// One set of option parsers for every command: the same numbers and port lists, the same errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServeOptions, type ServeOptions } from '../../src/cli/commands/fleet/server.js';
import { parseDuration, parseInteger, parsePortList } from '../../src/cli/option-parsers.js';
import { parseWatchOptions, type WatchCliOptions } from '../../src/cli/watch-options.js';
import { isEarshotError } from '../../src/errors.js';

const usageError = (code: string, pattern: RegExp) => (error: unknown) =>
  isEarshotError(error) && error.code === code && pattern.test(error.message);

describe('parseInteger', () => {
  it('takes whole numbers within the bounds, blanks around them allowed', () => {
    assert.equal(parseInteger('0', '--max-retries', 0, 50), 0);
    assert.equal(parseInteger(' 64 ', '--threads', 1, 64), 64);
  });

  it('refuses anything else with ERR_OPTION naming the option and the range', () => {
    for (const text of ['', 'abc', '-1', '1.5', '1e3', '65', '0x10', '99999999999999999999']) {
      assert.throws(
        () => parseInteger(text, '--threads', 1, 64),
        usageError('ERR_OPTION', /^Invalid --threads ".*": give a whole number from 1 to 64\.$/),
        text,
      );
    }
  });
});

describe('parsePortList', () => {
  it("reads nmap's syntax, ascending and each port once", () => {
    assert.deepEqual(parsePortList('80,22,80-81'), [22, 80, 81]);
    assert.equal(parsePortList('-').length, 65535);
    assert.deepEqual(parsePortList('65534-'), [65534, 65535]);
  });

  it('takes port 0 only when asked (a filter), and names the fix for a reversed range', () => {
    assert.deepEqual(parsePortList('0', { allowZero: true }), [0]);
    assert.throws(() => parsePortList('0'), usageError('ERR_PORT_SPEC', /port 0 is reserved/));
    assert.throws(() => parsePortList('90-80'), usageError('ERR_PORT_SPEC', /write "80-90"/));
  });
});

describe('parseDuration', () => {
  it('reads a number with a unit, fractions included; a bare number is seconds', () => {
    assert.equal(parseDuration('500ms', '--interval'), 500);
    assert.equal(parseDuration('1.5h', '--interval'), 5_400_000);
    assert.equal(parseDuration('90', '--interval'), 90_000);
    assert.equal(parseDuration('0', '--verify-every'), 0);
  });

  it('refuses anything else, and less than a minimum when one is given, naming the option', () => {
    for (const text of ['', 'soon', '1.5x', '-1s', '1e3s', '99999999999999999999d']) {
      assert.throws(
        () => parseDuration(text, '--interval'),
        usageError('ERR_OPTION', /^Invalid --interval ".*": write a number with a unit/),
        text,
      );
    }
    assert.throws(
      () => parseDuration('0s', '--silent-after', { minMs: 1000 }),
      usageError('ERR_OPTION', /^Invalid --silent-after "0s": give at least 1000 ms/),
    );
  });

  it('means the same in every command: watch, agent and server read "1.5h" alike', async () => {
    const serve: ServeOptions = {
      db: 'postgresql:///fleet',
      listen: '127.0.0.1:8080',
      rateLimit: '600',
      silentAfter: '1.5h',
      retain: '30',
    };
    const watch = {
      ports: '22',
      udp: false,
      version: false,
      bind: false,
      interval: '1.5h',
      verifyEvery: '0',
      retain: '1.5h',
    };
    const settings = await parseWatchOptions(watch as WatchCliOptions);
    assert.equal(parseServeOptions(serve).silentAfterMs, settings.intervalMs);
    assert.equal(parseServeOptions(serve).silentAfterMs, 5_400_000);
    assert.throws(
      () => parseServeOptions({ ...serve, rateLimit: '0' }),
      usageError('ERR_OPTION', /^Invalid --rate-limit "0": give a whole number from 1 to/),
    );
    assert.throws(
      () => parseServeOptions({ ...serve, retain: '1.5' }),
      usageError('ERR_OPTION', /^Invalid --retain "1.5": give a whole number from 1 to/),
    );
  });
});
