import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bannerHintsOf, guessOs, initialTtlOf, pickOsProbePorts } from '../../../src/scan/raw/os-guess.js';
import { buildSyn, parseTcpPacket, type TcpReply } from '../../../src/scan/raw/raw-tcp.js';

/** An IPv4 header (no options) in front of `segment`. */
function ipv4(segment: Buffer, ttl: number, dontFragment = true): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + segment.length, 2);
  header[6] = dontFragment ? 0x40 : 0;
  header[8] = ttl;
  header[9] = 6;
  Buffer.from([10, 231, 0, 2]).copy(header, 12);
  Buffer.from([10, 231, 0, 1]).copy(header, 16);
  return Buffer.concat([header, segment]);
}

const reply = (overrides: Partial<TcpReply>): TcpReply => ({
  source: '10.231.0.2',
  sourcePort: 22,
  destinationPort: 40000,
  ttl: 64,
  dontFragment: true,
  ipId: 0,
  flags: { syn: true, ack: true, rst: false },
  window: 65160,
  optionOrder: 'M,S,T,N,W',
  mss: 1460,
  windowScale: 7,
  timestamps: true,
  ...overrides,
});

describe('parseTcpPacket and buildSyn', () => {
  it('reads back the fields and option order of a SYN it built, with a valid checksum', () => {
    const syn = buildSyn('10.231.0.1', '10.231.0.2', 40001, 443, 12345);
    const parsed = parseTcpPacket(ipv4(syn, 57));
    assert.ok(parsed);
    assert.equal(parsed.sourcePort, 40001);
    assert.equal(parsed.destinationPort, 443);
    assert.equal(parsed.ttl, 57);
    assert.deepEqual(parsed.flags, { syn: true, ack: false, rst: false });
    assert.equal(parsed.optionOrder, 'M,S,T,N,W');
    assert.equal(parsed.mss, 1460);
    assert.equal(parsed.windowScale, 7);
    assert.equal(parsed.timestamps, true);
    // The one's-complement sum over pseudo-header and segment of a correct checksum is 0xffff.
    const pseudo = Buffer.from([10, 231, 0, 1, 10, 231, 0, 2, 0, 6, 0, syn.length]);
    let sum = 0;
    const all = Buffer.concat([pseudo, syn]);
    for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) + (all[i + 1] ?? 0);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    assert.equal(sum, 0xffff);
  });

  it('returns null for short, non-IPv4 and non-TCP packets, and stops at bad option lengths', () => {
    assert.equal(parseTcpPacket(Buffer.alloc(10)), null);
    assert.equal(parseTcpPacket(Buffer.from([0x60, ...Buffer.alloc(40)])), null);
    const udp = ipv4(Buffer.alloc(20), 64);
    udp[9] = 17;
    assert.equal(parseTcpPacket(udp), null);
    const segment = Buffer.alloc(24);
    segment[12] = 6 << 4;
    segment[20] = 2;
    segment[21] = 40;
    assert.equal(parseTcpPacket(ipv4(segment, 64))?.mss, null);
  });
});

describe('guessOs', () => {
  it('calls a Linux SYN-ACK and RST Linux with full confidence', () => {
    const guess = guessOs({
      synAck: { port: 22, reply: reply({}) },
      rst: {
        port: 1,
        reply: reply({ flags: { syn: false, ack: true, rst: true }, window: 0, optionOrder: '' }),
      },
    });
    assert.equal(guess.matches[0]?.family, 'Linux');
    assert.equal(guess.matches[0]?.confidence, 100);
    assert.match(guess.evidence[0]!, /TTL 64 \(initial 64, 0 hops\), window 65160, MSS 1460/);
    assert.equal(guess.note, undefined);
  });

  it('puts Windows first for a Windows SYN-ACK, TTL 118 ten hops away', () => {
    const guess = guessOs({
      synAck: {
        port: 3389,
        reply: reply({
          ttl: 118,
          window: 64240,
          optionOrder: 'M,N,W,N,N,S',
          windowScale: 8,
          timestamps: false,
        }),
      },
    });
    assert.equal(guess.matches[0]?.family, 'Windows');
    assert.match(guess.evidence[0]!, /initial 128, 10 hops/);
  });

  it('lowers Linux and brings Windows in when only the TTL says 128', () => {
    const guess = guessOs({ synAck: { port: 22, reply: reply({ ttl: 128 }) } });
    const linux = guess.matches.find((m) => m.family === 'Linux')!;
    assert.ok(linux.confidence < 100);
    assert.ok(guess.matches.some((m) => m.family === 'Windows'));
  });

  it('says "not enough evidence" with nothing, and uses banner hints alone', () => {
    const none = guessOs({ rawUnavailable: 'EPERM' });
    assert.deepEqual(none.matches, []);
    assert.equal(none.note, 'raw sockets unavailable (EPERM); not enough evidence');
    const banner = guessOs({ bannerHints: [{ os: 'Debian', source: '22/tcp ssh' }] });
    assert.equal(banner.matches[0]?.family, 'Linux');
    assert.equal(banner.note, 'banners only: no TCP/IP evidence');
    assert.deepEqual(banner.evidence, ['banner: Debian (22/tcp ssh)']);
  });

  it('initial TTLs, probe ports and banner hints in their accepted shapes', () => {
    assert.deepEqual([1, 64, 65, 128, 200].map(initialTtlOf), [32, 64, 128, 128, 255]);
    assert.deepEqual(
      pickOsProbePorts(
        {
          ports: [{ protocol: 'tcp', port: 22, state: 'open', reason: 'syn-ack', service: null }],
          extraPorts: [{ state: 'closed', count: 2, reasons: {} }],
        },
        [21, 22, 23],
      ),
      { openPort: 22, closedPort: 21 },
    );
    assert.deepEqual(bannerHintsOf({ osHints: ['Ubuntu', { os: 'Debian', source: '22/tcp' }, 7, null] }), [
      { os: 'Ubuntu', source: 'banner' },
      { os: 'Debian', source: '22/tcp' },
    ]);
    assert.deepEqual(bannerHintsOf({}), []);
  });
});
