import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeProcAddress, parseProcNet } from '../../src/inventory/proc-net.js';
import { readFixture } from '../helpers/fixtures.js';

const tcp = readFixture('proc/ypbind/net/tcp6', 'latin1');
const [header, ...entries] = tcp.trimEnd().split('\n');

// What the kernel prints for 16 address bytes: four 32-bit words, each %08X of a little-endian load.
function procHex(bytes: number[]): string {
  let hex = '';
  for (let word = 0; word < 16; word += 4) {
    for (let i = 3; i >= 0; i--) hex += bytes[word + i]!.toString(16).padStart(2, '0').toUpperCase();
  }
  return hex;
}

describe('parseProcNet properties', () => {
  it('accounts for every line: a socket or a warning, never an exception', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            line: fc.constantFrom(...entries),
            cut: fc.nat(200),
            junk: fc.string({ maxLength: 4 }),
            mutate: fc.boolean(),
          }),
          { maxLength: 20 },
        ),
        (lines) => {
          const body = lines.map(({ line, cut, junk, mutate }) =>
            mutate ? `${line.slice(0, cut)}${junk.replace(/\n/g, '')}${line.slice(cut + junk.length)}` : line,
          );
          const text = `${header}\n${body.join('\n')}\n`;
          const result = parseProcNet(text, { protocol: 'tcp', family: 'ipv6' }, 'tcp6');
          const nonBlank = body.filter((line) => line.trim() !== '').length;
          assert.equal(result.sockets.length + result.warnings.length, nonBlank);
          for (const warning of result.warnings)
            assert.ok(warning.line! >= 2 && warning.line! <= body.length + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes any IPv6 address the way the WHATWG URL serializer compresses it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }), (bytes) => {
        const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
        fc.pre(!mapped);
        const groups = [];
        for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
        const expected = new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
        assert.equal(decodeProcAddress(procHex(bytes)), expected);
      }),
      { numRuns: 500 },
    );
  });
});
