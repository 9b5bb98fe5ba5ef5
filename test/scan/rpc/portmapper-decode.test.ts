import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createRpcProgramCatalog, parseEtcRpc } from '../../../src/catalog/rpc-programs.js';
import { isEarshotError } from '../../../src/errors.js';
import { decodeReply, encodeCall, frameRecord, RecordReader } from '../../../src/scan/rpc/onc-rpc.js';
import { decodePmapDump, decodeRpcbDump, parseUniversalAddress } from '../../../src/scan/rpc/portmapper.js';
import { XdrReader, XdrWriter } from '../../../src/scan/rpc/xdr.js';
import { readFixture } from '../../helpers/fixtures.js';

// Real replies of Debian's rpcbind 1.2.6 with ypserv and ypbind registered, captured by
// test/fixtures/rpc/capture.ts in a test namespace.
const fixture = (name: string) => readFixture(`rpc/${name}`);
const programs = createRpcProgramCatalog(parseEtcRpc(readFixture('catalog/rpc', 'utf8')));

function decodeFixture(message: Buffer, version: number, xid = message.readUInt32BE(0)) {
  const reply = decodeReply(message, xid);
  if (reply.status !== 'success') throw new Error(`reply status ${reply.status}`);
  return (version === 2 ? decodePmapDump : decodeRpcbDump)(reply.results, programs);
}

const isRpcError = (error: unknown) => isEarshotError(error, 'ERR_RPC');

describe('portmapper replies (real captures)', () => {
  it('decodes a portmap v2 dump: IPv4 tcp/udp mappings, named from /etc/rpc', () => {
    const entries = decodeFixture(fixture('dump-v2.bin'), 2);
    assert.equal(entries.length, 16);
    assert.deepEqual(entries[0], {
      program: 100000,
      version: 4,
      protocol: 'tcp',
      port: 111,
      address: null,
      name: 'portmapper',
      family: 'ipv4',
    });
    const ypbind = entries.filter((entry) => entry.program === 100007);
    assert.deepEqual(
      ypbind.map((entry) => `${entry.name} v${entry.version} ${entry.protocol} ${entry.port}`).sort(),
      [
        'ypbind v1 tcp 689',
        'ypbind v1 udp 688',
        'ypbind v2 tcp 689',
        'ypbind v2 udp 688',
        'ypbind v3 tcp 689',
        'ypbind v3 udp 688',
      ],
    );
  });

  it('decodes rpcbind v3 and v4 dumps with universal addresses, IPv6 included, local transports left out', () => {
    for (const [file, version] of [
      ['dump-v3.bin', 3],
      ['dump-v4.bin', 4],
      ['dump-v4-ipv6.bin', 4],
    ] as const) {
      const entries = decodeFixture(fixture(file), version);
      // 26 entries in the dump, 2 of them on the AF_UNIX "local" transport.
      assert.equal(entries.length, 24, file);
      assert.ok(entries.some((entry) => entry.address === '::.0.111' && entry.family === 'ipv6'));
      const v6ypbind = entries.find((entry) => entry.address === '::.2.181');
      assert.deepEqual(v6ypbind, {
        program: 100007,
        version: 3,
        protocol: 'tcp',
        port: 693,
        address: '::.2.181',
        name: 'ypbind',
        family: 'ipv6',
      });
    }
  });

  it('never crashes on a truncated reply: every prefix is a reply or an ERR_RPC', () => {
    for (const [file, version] of [
      ['dump-v2.bin', 2],
      ['dump-v4.bin', 4],
    ] as const) {
      const message = fixture(file);
      const xid = message.readUInt32BE(0);
      for (let length = 0; length < message.length; length++) {
        assert.throws(
          () => decodeFixture(message.subarray(0, length), version, xid),
          isRpcError,
          `${file}[0..${length})`,
        );
      }
    }
  });

  it('never throws anything but ERR_RPC on random bytes or random mutations', () => {
    const message = fixture('dump-v4.bin');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 256 }),
        fc.nat(message.length - 1),
        fc.integer({ min: 0, max: 255 }),
        (random, at, byte) => {
          const mutated = Buffer.from(message);
          mutated[at] = byte;
          for (const input of [Buffer.from(random), mutated]) {
            for (const decode of [decodePmapDump, decodeRpcbDump]) {
              try {
                const reply = decodeReply(input, input.length >= 4 ? input.readUInt32BE(0) : 0);
                if (reply.status === 'success') decode(reply.results, programs);
              } catch (error) {
                if (!isRpcError(error)) throw error;
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stops at 10000 registrations', () => {
    const writer = new XdrWriter();
    for (let i = 0; i < 10_001; i++) writer.uint32(1).uint32(100000).uint32(2).uint32(6).uint32(111);
    writer.uint32(0);
    assert.throws(() => decodePmapDump(new XdrReader(writer.toBuffer()), programs), /more than 10000/);
  });

  it('refuses a string longer than its cap', () => {
    const writer = new XdrWriter().uint32(1).uint32(100000).uint32(4).opaque(Buffer.alloc(100, 'a'));
    assert.throws(() => decodeRpcbDump(new XdrReader(writer.toBuffer()), programs), /above the limit of 64/);
  });

  it('reads the reply header: mismatches, denials, another call, not a reply', () => {
    const header = (xid: number, ...words: number[]) => {
      const writer = new XdrWriter().uint32(xid);
      for (const word of words) writer.uint32(word);
      return writer.toBuffer();
    };
    assert.deepEqual(decodeReply(header(7, 1, 0, 0, 0, 2, 2, 2), 7), {
      status: 'program-mismatch',
      low: 2,
      high: 2,
    });
    assert.deepEqual(decodeReply(header(7, 1, 0, 0, 0, 1), 7), { status: 'program-unavailable' });
    assert.deepEqual(decodeReply(header(7, 1, 1, 0, 2, 2), 7), { status: 'rpc-mismatch', low: 2, high: 2 });
    assert.deepEqual(decodeReply(header(7, 1, 1, 1, 5), 7), { status: 'auth-error', authStat: 5 });
    assert.throws(() => decodeReply(header(8, 1, 0, 0, 0, 0), 7), /answers another call/);
    assert.throws(() => decodeReply(header(7, 0, 2, 100000), 7), /not an RPC reply/);
    assert.throws(
      () => decodeReply(Buffer.from('HTTP/1.1 400 Bad Request\r\n'), 0x48545450),
      /not an RPC reply/,
    );
  });
});

describe('ONC RPC framing', () => {
  it('encodes a DUMP call as RFC 5531 lays it out', () => {
    const call = encodeCall({ xid: 0x01020304, program: 100000, version: 4, procedure: 4 });
    assert.equal(
      call.toString('hex'),
      `01020304${'00000000'}${'00000002'}000186a0${'00000004'.repeat(2)}${'0'.repeat(32)}`,
    );
    assert.equal(frameRecord(call).readUInt32BE(0), 0x80000000 + call.length);
  });

  it('reassembles fragments split anywhere', () => {
    const body = Buffer.from('portmapper reply in three fragments');
    const fragments = [body.subarray(0, 5), body.subarray(5, 5), body.subarray(5)];
    const stream = Buffer.concat(
      fragments.map((fragment, index) => {
        const mark = Buffer.alloc(4);
        mark.writeUInt32BE(((index === fragments.length - 1 ? 0x80000000 : 0) | fragment.length) >>> 0);
        return Buffer.concat([mark, fragment]);
      }),
    );
    for (let split = 0; split <= stream.length; split++) {
      const reader = new RecordReader(1024);
      const first = reader.push(stream.subarray(0, split));
      const record = split === stream.length ? first : reader.push(stream.subarray(split));
      assert.deepEqual(record, body, `split at ${split}`);
    }
  });

  it('refuses a huge announced length at once, and endless empty fragments at the cap', () => {
    const huge = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    assert.throws(() => new RecordReader(4096).push(huge), /above the cap of 4096/);
    const empties = Buffer.alloc(4 * 2000);
    assert.throws(() => new RecordReader(4096).push(empties), /above the cap/);
  });

  it('parses universal addresses', () => {
    assert.deepEqual(parseUniversalAddress('0.0.0.0.0.111'), { host: '0.0.0.0', port: 111, family: 'ipv4' });
    assert.deepEqual(parseUniversalAddress('::1.0.111'), { host: '::1', port: 111, family: 'ipv6' });
    assert.deepEqual(parseUniversalAddress('::.3.66'), { host: '::', port: 834, family: 'ipv6' });
    assert.deepEqual(parseUniversalAddress('::ffff:10.0.0.1.255.255'), {
      host: '::ffff:10.0.0.1',
      port: 65535,
      family: 'ipv6',
    });
    for (const bad of [
      '',
      '/run/rpcbind.sock',
      '1.2.3.4.256.1',
      '1.2.3.4.5',
      'host.0.111',
      '1.2.3.4.0.111\u001b',
    ]) {
      assert.equal(parseUniversalAddress(bad), null, bad);
    }
  });
});
