// The portmapper DUMP reply parser: record-marked fragments, the mapping list, and bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpCall, parseDumpReply } from '../../../src/scan/rpc/portmapper-dump.js';

const words = (list: number[]) => {
  const buffer = Buffer.alloc(list.length * 4);
  list.forEach((word, i) => {
    buffer.writeUInt32BE(word >>> 0, i * 4);
  });
  return buffer;
};

const fragment = (body: Buffer, last: boolean) =>
  Buffer.concat([words([(last ? 0x80000000 : 0) | body.length]), body]);

describe('parseDumpReply', () => {
  const body = words([
    0x64756d70, 1, 0, 0, 0, 0, 1, 100000, 4, 6, 111, 1, 100000, 2, 17, 111, 1, 100024, 1, 6, 32765, 0,
  ]);

  it('reads the mappings, also across fragments', () => {
    const expected = [
      { program: 100000, version: 4, protocol: 'tcp', port: 111 },
      { program: 100000, version: 2, protocol: 'udp', port: 111 },
      { program: 100024, version: 1, protocol: 'tcp', port: 32765 },
    ];
    assert.deepEqual(parseDumpReply(fragment(body, true)), expected);
    const split = Buffer.concat([fragment(body.subarray(0, 30), false), fragment(body.subarray(30), true)]);
    assert.deepEqual(parseDumpReply(split), expected);
    assert.equal(dumpCall().readUInt32BE(24), 4, 'procedure 4 is DUMP');
  });

  it('returns null for partial, foreign or garbage replies', () => {
    assert.equal(parseDumpReply(fragment(body, true).subarray(0, 40)), null);
    assert.equal(parseDumpReply(fragment(body, false)), null, 'no last fragment');
    assert.equal(parseDumpReply(Buffer.from('HTTP/1.0 400 Bad Request\r\n\r\n')), null);
    assert.equal(parseDumpReply(Buffer.alloc(0)), null);
  });
});
