import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeProcAddress,
  formatIpv6,
  PROC_NET_TABLES,
  parseProcNet,
} from '../../src/inventory/proc-net.js';
import type { Socket } from '../../src/model.js';
import { readFixture } from '../helpers/fixtures.js';
import { parseSs, socketKey } from '../helpers/oracles/ss.js';

const read = (path: string) => readFixture(`proc/${path}`, 'latin1');

function parseFixtureTables(): Socket[] {
  return PROC_NET_TABLES.flatMap(
    (table) => parseProcNet(read(`ypbind/net/${table.file}`), table, table.file).sockets,
  );
}

describe('decodeProcAddress', () => {
  it('decodes IPv4 words printed in host byte order', () => {
    assert.equal(decodeProcAddress('0100007F'), '127.0.0.1');
    assert.equal(decodeProcAddress('00000000'), '0.0.0.0');
    assert.equal(decodeProcAddress('020200C0'), '192.0.2.2');
  });

  it('decodes IPv6, compressing the longest zero run', () => {
    assert.equal(decodeProcAddress('00000000000000000000000001000000'), '::1');
    assert.equal(decodeProcAddress('00000000000000000000000000000000'), '::');
    assert.equal(decodeProcAddress('B80D0120000000000000000001000000'), '2001:db8::1');
    assert.equal(decodeProcAddress('0000FDFE000000000000000001000000'), 'fefd::1');
  });

  it('shows a v4-mapped IPv6 address as IPv4', () => {
    assert.equal(decodeProcAddress('0000000000000000FFFF00000100007F'), '127.0.0.1');
  });

  it('returns null for text that is not an address', () => {
    for (const bad of ['', '0100007', 'ZZZZ0000', '0100007F0', '0'.repeat(31)]) {
      assert.equal(decodeProcAddress(bad), null, bad);
    }
  });

  it('formats IPv6 as RFC 5952 says: first of equal runs, no :: for one zero group', () => {
    const bytes = (groups: number[]) => groups.flatMap((group) => [group >> 8, group & 0xff]);
    assert.equal(formatIpv6(bytes([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), '2001:db8::1:0:0:1');
    assert.equal(formatIpv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpv6(bytes([0xfe80, 0, 0, 0, 0, 0, 0, 0])), 'fe80::');
  });
});

describe('parseProcNet on a real capture', () => {
  it('agrees with ss run at the moment of the capture', () => {
    const sockets = parseFixtureTables();
    const ss = parseSs(read('ypbind/ss-tuanp.txt'));
    assert.deepEqual(
      sockets.map((socket) => socketKey(socket, [])).sort(),
      ss.map((socket) => socketKey(socket, [])).sort(),
    );
  });

  it('reads state, family, queues, uid and inode', () => {
    const sockets = parseFixtureTables();
    const tcp834 = sockets.find((s) => s.protocol === 'tcp' && s.localPort === 834);
    assert.deepEqual(
      { ...tcp834, owners: undefined },
      {
        protocol: 'tcp',
        family: 'ipv4',
        state: 'LISTEN',
        localAddress: '0.0.0.0',
        localPort: 834,
        remoteAddress: '0.0.0.0',
        remotePort: 0,
        sendQueue: 0,
        receiveQueue: 0,
        inode: 2671215,
        uid: 0,
        user: null,
        netns: null,
        owners: undefined,
        ownerStatus: { kind: 'none', message: 'no owner (kernel socket)' },
      },
    );
    const mapped = sockets.find((s) => s.family === 'ipv6' && s.localAddress === '127.0.0.1');
    assert.equal(mapped?.state, 'ESTABLISHED');
    assert.equal(mapped?.localPort, 8080);
    const udp = sockets.filter((s) => s.protocol === 'udp').map((s) => `${s.state} ${s.localAddress}`);
    assert.deepEqual(udp.sort(), ['UNCONN 0.0.0.0', 'UNCONN ::1']);
  });

  it('labels every socket with the namespace given', () => {
    const { sockets } = parseProcNet(read('ypbind/net/tcp'), { protocol: 'tcp', family: 'ipv4' }, 'tcp', {
      netns: '42',
    });
    assert.ok(sockets.length > 0);
    assert.ok(sockets.every((socket) => socket.netns === '42'));
  });

  it('keeps only listening sockets when asked, still checking the other lines', () => {
    const { sockets } = parseProcNet(read('ypbind/net/tcp6'), { protocol: 'tcp', family: 'ipv6' }, 'tcp6', {
      listeningOnly: true,
    });
    assert.deepEqual(
      sockets.map((s) => `${s.state} ${s.localAddress}:${s.localPort}`),
      ['LISTEN ::1:9090', 'LISTEN :::8080'],
    );
    const bad = parseProcNet(read('malformed/net/tcp'), { protocol: 'tcp', family: 'ipv4' }, 'tcp', {
      listeningOnly: true,
    });
    assert.equal(bad.sockets.length, 1);
    assert.equal(bad.warnings.length, 3);
  });
});

describe('parseProcNet on bad input', () => {
  it('turns garbled, short and truncated lines into warnings with line numbers and keeps the rest', () => {
    const { sockets, warnings } = parseProcNet(
      read('malformed/net/tcp'),
      { protocol: 'tcp', family: 'ipv4' },
      'malformed/net/tcp',
    );
    assert.deepEqual(
      sockets.map((s) => `${s.localAddress}:${s.localPort}`),
      ['127.0.0.1:31337', '127.0.0.1:60264'],
    );
    assert.deepEqual(
      warnings.map((w) => w.line),
      [3, 4, 6],
    );
    assert.match(warnings[0]!.message, /^malformed address for ipv4: 1: ZZZZ0000:0342/);
    assert.match(warnings[1]!.message, /^malformed line \(5 fields, expected at least 10\)/);
    assert.match(warnings[2]!.message, /^truncated line \(no newline at the end\); malformed line/);
    assert.ok(warnings.every((w) => w.source === 'malformed/net/tcp'));
  });

  it('rejects an IPv4 address in a v6 table', () => {
    const v4line = read('ypbind/net/tcp').split('\n')[1]!;
    const result = parseProcNet(`${v4line}\n`, { protocol: 'tcp', family: 'ipv6' }, 'tcp6');
    assert.equal(result.sockets.length, 0);
    assert.equal(result.warnings[0]?.line, 1);
    assert.match(result.warnings[0]?.message ?? '', /^malformed address for ipv6/);
  });

  it('turns junk into no socket and one warning per non-blank line, with its line number, bounded', () => {
    const cases: [string, [number, RegExp][]][] = [
      ['', []],
      ['\n\n', []],
      ['\u0000\u00ff\n', [[1, /^malformed line \(1 fields, expected at least 10\): \u0000\u00ff$/]]],
      ['sl\n1: : : : : : : : : :\n', [[2, /^malformed address for ipv4: 1: : :/]]],
      ['x'.repeat(10_000), [[1, /^truncated line \(no newline at the end\); malformed line \(1 fields/]]],
    ];
    for (const [junk, expected] of cases) {
      const { sockets, warnings } = parseProcNet(junk, { protocol: 'udp', family: 'ipv4' }, 'udp');
      assert.deepEqual(sockets, [], JSON.stringify(junk.slice(0, 20)));
      assert.deepEqual(
        warnings.map((warning) => warning.line),
        expected.map(([line]) => line),
      );
      for (const [index, [, pattern]] of expected.entries()) assert.match(warnings[index]!.message, pattern);
      for (const warning of warnings)
        assert.ok(warning.message.length < 400, 'a warning quotes a bounded part');
    }
  });

  it('names unknown TCP states UNKNOWN and UDP states like ss', () => {
    const line = (state: string) =>
      `   0: 0100007F:0035 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0\n`;
    const state = (protocol: 'tcp' | 'udp', code: string) =>
      parseProcNet(line(code), { protocol, family: 'ipv4' }, 'x').sockets[0]?.state;
    assert.equal(state('tcp', '06'), 'TIME_WAIT');
    assert.equal(state('tcp', '0C'), 'NEW_SYN_RECV');
    assert.equal(state('tcp', 'FF'), 'UNKNOWN');
    assert.equal(state('udp', '07'), 'UNCONN');
    assert.equal(state('udp', '01'), 'ESTABLISHED');
  });
});
