// Raw IPv4 TCP through the optional `raw-socket` package: hand-built SYNs and the SYN-ACKs and RSTs
// that answer them, with every header field the OS guess reads. earshot installs and runs without
// the package; `openRawTcp` then says why raw sockets are unavailable.
import { createSocket as createUdpSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { EarshotError } from '../../errors.js';

interface RawSocket {
  on(event: 'message', listener: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  send(
    buffer: Buffer,
    offset: number,
    length: number,
    address: string,
    callback: (error: Error | null, bytes: number) => void,
  ): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(options: { protocol: number; bufferSize?: number }): RawSocket;
  Protocol: { TCP: number };
}

/** One TCP segment as seen on the wire, with its IPv4 header fields. */
export interface TcpReply {
  source: string;
  sourcePort: number;
  destinationPort: number;
  ttl: number;
  dontFragment: boolean;
  ipId: number;
  flags: { syn: boolean; ack: boolean; rst: boolean };
  window: number;
  /** Option kinds in order as letters: M(ss) S(ack-permitted) T(imestamp) N(op) W(scale) E(ol). */
  optionOrder: string;
  mss: number | null;
  windowScale: number | null;
  timestamps: boolean;
}

/** A raw TCP socket: send SYNs, hear every TCP segment addressed to this host. */
export interface RawTcp {
  sendSyn(target: string, sourcePort: number, targetPort: number, sequence: number): Promise<void>;
  /** Adds a listener for every TCP segment heard; returns its removal. */
  onReply(listener: (reply: TcpReply) => void): () => void;
  close(): void;
}

/** Either a raw TCP socket, or why there is none (to print as "raw sockets unavailable (...)"). */
export type RawTcpResult = { ok: true; raw: RawTcp } | { ok: false; reason: string };

const require = createRequire(import.meta.url);
const OPTION_LETTERS: Record<number, string> = { 0: 'E', 1: 'N', 2: 'M', 3: 'W', 4: 'S', 8: 'T' };

/** Reads an IPv4 packet carrying TCP; null when it is not one (or is cut short). */
export function parseTcpPacket(packet: Buffer): TcpReply | null {
  if (packet.length < 20 || packet[0]! >> 4 !== 4 || packet[9] !== 6) return null;
  const ipHeader = (packet[0]! & 0x0f) * 4;
  if (packet.length < ipHeader + 20) return null;
  const tcp = packet.subarray(ipHeader);
  const dataOffset = (tcp[12]! >> 4) * 4;
  if (dataOffset < 20 || tcp.length < dataOffset) return null;
  const flagByte = tcp[13]!;
  const reply: TcpReply = {
    source: `${packet[12]}.${packet[13]}.${packet[14]}.${packet[15]}`,
    sourcePort: tcp.readUInt16BE(0),
    destinationPort: tcp.readUInt16BE(2),
    ttl: packet[8]!,
    dontFragment: (packet[6]! & 0x40) !== 0,
    ipId: packet.readUInt16BE(4),
    flags: { syn: (flagByte & 0x02) !== 0, ack: (flagByte & 0x10) !== 0, rst: (flagByte & 0x04) !== 0 },
    window: tcp.readUInt16BE(14),
    optionOrder: '',
    mss: null,
    windowScale: null,
    timestamps: false,
  };
  const letters: string[] = [];
  for (let at = 20; at < dataOffset; ) {
    const kind = tcp[at]!;
    letters.push(OPTION_LETTERS[kind] ?? `?${kind}`);
    if (kind === 0) break;
    if (kind === 1) {
      at++;
      continue;
    }
    const length = tcp[at + 1] ?? 0;
    if (length < 2 || at + length > dataOffset) break;
    if (kind === 2 && length === 4) reply.mss = tcp.readUInt16BE(at + 2);
    if (kind === 3 && length === 3) reply.windowScale = tcp[at + 2]!;
    if (kind === 8) reply.timestamps = true;
    at += length;
  }
  reply.optionOrder = letters.join(',');
  return reply;
}

const ipv4Bytes = (address: string) => Buffer.from(address.split('.').map(Number));

/** The Internet checksum (RFC 1071) over `parts`. */
function checksum(parts: Buffer[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 2) sum += (part[i]! << 8) + (part[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A SYN with Linux's own option set (MSS, SACK-permitted, timestamps, NOP, window scale), so the
 * answer shows every option the peer supports, in its own order.
 */
export function buildSyn(
  source: string,
  target: string,
  sourcePort: number,
  targetPort: number,
  sequence: number,
): Buffer {
  const segment = Buffer.alloc(40);
  segment.writeUInt16BE(sourcePort, 0);
  segment.writeUInt16BE(targetPort, 2);
  segment.writeUInt32BE(sequence >>> 0, 4);
  segment[12] = 10 << 4;
  segment[13] = 0x02;
  segment.writeUInt16BE(64240, 14);
  Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]).copy(segment, 20);
  const pseudo = Buffer.concat([ipv4Bytes(source), ipv4Bytes(target), Buffer.from([0, 6, 0, 40])]);
  segment.writeUInt16BE(checksum([pseudo, segment]), 16);
  return segment;
}

/** The local address the kernel would send from to reach `target` (a route look-up, no packet). */
export async function sourceAddressFor(target: string): Promise<string> {
  const socket = createUdpSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, target, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

/** Opens a raw IPv4 TCP socket, or says why it cannot (package missing, no privilege). */
export function openRawTcp(): RawTcpResult {
  let module: RawSocketModule;
  try {
    module = require('raw-socket') as RawSocketModule;
  } catch (error) {
    return {
      ok: false,
      reason: `the optional package raw-socket is not installed or did not build: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  let socket: RawSocket;
  try {
    socket = module.createSocket({ protocol: module.Protocol.TCP, bufferSize: 65536 });
  } catch (error) {
    const message = (error as Error).message;
    return {
      ok: false,
      reason: /permitted|EPERM|EACCES/i.test(message) ? `${message}: run as root (CAP_NET_RAW)` : message,
    };
  }
  const listeners: ((reply: TcpReply) => void)[] = [];
  const sources = new Map<string, Promise<string>>();
  socket.on('error', () => undefined);
  socket.on('message', (buffer) => {
    const reply = parseTcpPacket(buffer);
    if (reply) for (const listener of listeners) listener(reply);
  });
  return {
    ok: true,
    raw: {
      async sendSyn(target, sourcePort, targetPort, sequence) {
        let source = sources.get(target);
        if (!source) {
          source = sourceAddressFor(target);
          sources.set(target, source);
        }
        const segment = buildSyn(await source, target, sourcePort, targetPort, sequence);
        await new Promise<void>((resolve, reject) => {
          socket.send(segment, 0, segment.length, target, (error) =>
            error
              ? reject(new EarshotError('ERR_RESOURCE', `Raw send to ${target} failed: ${error.message}`))
              : resolve(),
          );
        });
      },
      onReply(listener) {
        listeners.push(listener);
        return () => {
          const at = listeners.indexOf(listener);
          if (at !== -1) listeners.splice(at, 1);
        };
      },
      close() {
        socket.close();
      },
    },
  };
}
