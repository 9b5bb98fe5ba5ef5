import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createServiceCatalog, type ServiceEntry } from '../../../src/catalog/services.js';
import { isEarshotError } from '../../../src/errors.js';
import { defaultTcpPorts, formatPortSpec, parsePortSpec } from '../../../src/scan/targets/ports.js';

const range = (first: number, last: number): number[] =>
  Array.from({ length: last - first + 1 }, (_, index) => first + index);

function assertPortSpecError(spec: string, message: RegExp, options?: { allowZero?: boolean }): void {
  assert.throws(
    () => parsePortSpec(spec, options),
    (error) => {
      assert.ok(isEarshotError(error, 'ERR_PORT_SPEC'), String(error));
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/);
      return true;
    },
  );
}

describe('parsePortSpec', () => {
  it('reads lists and ranges, ascending and without repeats', () => {
    assert.deepEqual(parsePortSpec('80,22,8000-8003,22'), [22, 80, 8000, 8001, 8002, 8003]);
    assert.deepEqual(parsePortSpec(' 443 , 80 '), [80, 443]);
    assert.deepEqual(parsePortSpec('5-7,6-9'), range(5, 9));
  });

  it('reads "-" and "1-65535" as every port but 0, as -p- does in nmap', () => {
    assert.deepEqual(parsePortSpec('-'), range(1, 65535));
    assert.deepEqual(parsePortSpec('1-65535'), range(1, 65535));
  });

  it('reads open ranges: "-1024" starts at 1, "60000-" ends at 65535', () => {
    assert.deepEqual(parsePortSpec('-1024'), range(1, 1024));
    assert.deepEqual(parsePortSpec('65530-'), range(65530, 65535));
  });

  it('takes port 0 only when allowed', () => {
    assertPortSpecError('0', /^Invalid port spec "0": port 0 is reserved .*allow port 0 explicitly/);
    assertPortSpecError('0-10', /port 0 is reserved.*start at 1/);
    assert.deepEqual(parsePortSpec('0', { allowZero: true }), [0]);
    assert.deepEqual(parsePortSpec('0-2,80', { allowZero: true }), [0, 1, 2, 80]);
    assert.equal(parsePortSpec('-', { allowZero: true })[0], 1, '"-" still starts at 1, as in nmap');
  });

  it('rejects a reversed range and says how to write it', () => {
    assertPortSpecError('90-80', /^Invalid port range "90-80": the end is below the start; write "80-90"\.$/);
  });

  it('rejects ports above 65535, empty input and empty entries', () => {
    assertPortSpecError('70000', /^Invalid port spec "70000": port 70000 is above 65535/);
    assertPortSpecError('1-65536', /port 65536 is above 65535/);
    assertPortSpecError('', /^Invalid port spec "": it is empty; give ports like/);
    assertPortSpecError('  ', /it is empty/);
    assertPortSpecError('22,,80', /empty entry between commas; remove the extra comma/);
    assertPortSpecError('22,', /empty entry/);
  });

  it('rejects protocol prefixes and service names with the way forward', () => {
    assertPortSpecError(
      'T:80,U:53',
      /^Invalid port spec "T:80,U:53": protocol prefixes like "T:" are not supported/,
    );
    assertPortSpecError('http', /"http" is not a port number; give port numbers \(`earshot services http`/);
    assertPortSpecError('1-2-3', /"2-3" is not a port number/);
    assertPortSpecError('22;80', /"22;80" is not a port number; give numbers 1-65535/);
  });

  it('quotes bad input as given; the CLI escapes it once when it prints the message', () => {
    assertPortSpecError('\u001b[31m', /"\u001b\[31m"/);
  });

  it('round-trips with formatPortSpec (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 200 }),
        (ports) => {
          const sorted = [...ports].sort((a, b) => a - b);
          const spec = formatPortSpec(ports);
          assert.deepEqual(parsePortSpec(spec, { allowZero: true }), sorted);
          assert.equal(formatPortSpec(parsePortSpec(spec, { allowZero: true })), spec);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('formatPortSpec', () => {
  it('writes runs as ranges and single ports alone', () => {
    assert.equal(formatPortSpec([...range(1, 1024), 1080, 3306, 3307]), '1-1024,1080,3306-3307');
    assert.equal(formatPortSpec([8080, 22, 22, 23]), '22-23,8080');
    assert.equal(formatPortSpec([]), '');
  });
});

describe('defaultTcpPorts', () => {
  const entry = (port: number, protocol: 'tcp' | 'udp'): ServiceEntry => ({
    name: `svc${port}`,
    port,
    protocol,
    aliases: [],
    description: null,
    source: 'etc-services',
  });

  it('is 1-1024 plus every higher TCP port the catalog names', () => {
    const catalog = createServiceCatalog([
      entry(22, 'tcp'),
      entry(3306, 'tcp'),
      entry(2049, 'tcp'),
      entry(5353, 'udp'),
      entry(65535, 'tcp'),
    ]);
    const ports = defaultTcpPorts(catalog);
    assert.deepEqual(ports, [...range(1, 1024), 2049, 3306, 65535]);
    assert.equal(formatPortSpec(ports), '1-1024,2049,3306,65535');
  });

  it('gives 1-1024 alone when the catalog names nothing above it', () => {
    assert.deepEqual(defaultTcpPorts(createServiceCatalog([entry(22, 'tcp')])), range(1, 1024));
  });
});
