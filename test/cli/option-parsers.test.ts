// One set of option parsers for every command: the same numbers and port lists, the same errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInteger, parsePortList } from '../../src/cli/option-parsers.js';
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
