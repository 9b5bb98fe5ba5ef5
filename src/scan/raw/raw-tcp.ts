// Raw IPv4 TCP through earshot's own N-API addon (native/raw_tcp.c): hand-built SYNs and the
// SYN-ACKs and RSTs that answer them, with every header field the OS guess reads. The addon reads
// on Node's event loop (a libuv poll handle), so waiting for answers never blocks it. earshot
// installs and runs without the addon; `openRawTcp` then says why raw sockets are unavailable.
import { createSocket as createUdpSocket } from 'node:dgram';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EarshotError } from '../../errors.js';
import { loadNativeAddon, nativeAddonPath } from '../../io/native-addon.js';

/** An open socket of the addon; only the addon reads it. */
type RawHandle = object & { readonly rawHandle: unique symbol };
interface RawTcpAddon {
  open(onPackets: (packets: Buffer[], errno: number) => void): { handle: RawHandle } | ErrnoAnswer;
  /** 0 when sent, else the errno. */
  send(handle: RawHandle, segment: Uint8Array, address: string): number;
  close(handle: RawHandle): void;
}
interface ErrnoAnswer {
  errno: number;
  message: string;
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
  /**
   * Sends a SYN: 0 once sent, or the errno of a destination the kernel refuses to send to
   * (ENETUNREACH, EHOSTUNREACH, EACCES, EPERM: no route, or a local firewall), which is the port's
   * answer as it is for a connect. Throws for anything else.
   */
  sendSyn(target: string, sourcePort: number, targetPort: number, sequence: number): Promise<number>;
  /** Adds a listener for every TCP segment heard; returns its removal. */
  onReply(listener: (reply: TcpReply) => void): () => void;
  close(): void;
}

/** Either a raw TCP socket, or why there is none (to print as "raw sockets unavailable (...)"). */
export type RawTcpResult = { ok: true; raw: RawTcp } | { ok: false; reason: string };

/** Where `npm install` builds the addon (binding.gyp at the package root). */
const defaultAddonPath = nativeAddonPath('raw_tcp');
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

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, number]) => [number, name] as [number, string]),
);
const describeErrno = (errno: number, message: string) =>
  `${message} (${errnoNames.get(errno) ?? `errno ${errno}`})`;

// A full send buffer (EAGAIN) or a full device queue (ENOBUFS) drains in microseconds to
// milliseconds: wait and send again, a bounded number of times.
const SEND_RETRIES = 20;
const SEND_RETRY_MS = 5;
// Destinations the kernel will not send to (no route, a local firewall): the port's answer.
const UNREACHABLE = new Set([
  constants.errno.ENETUNREACH,
  constants.errno.EHOSTUNREACH,
  constants.errno.EACCES,
  constants.errno.EPERM,
]);

/** Opens a raw IPv4 TCP socket, or says why it cannot (addon not built, no privilege). */
export function openRawTcp(options: { addonPath?: string } = {}): RawTcpResult {
  const addon = loadNativeAddon<RawTcpAddon>(options.addonPath ?? defaultAddonPath);
  if (typeof addon === 'string') return { ok: false, reason: addon };
  const listeners: ((reply: TcpReply) => void)[] = [];
  const opened = addon.open((packets) => {
    // A listener may remove itself while a batch is delivered: deliver the batch to those present.
    const present = [...listeners];
    for (const packet of packets) {
      const reply = parseTcpPacket(packet);
      if (reply) for (const listener of present) listener(reply);
    }
  });
  if (!('handle' in opened)) {
    const said = describeErrno(opened.errno, opened.message);
    const denied = opened.errno === constants.errno.EPERM || opened.errno === constants.errno.EACCES;
    return {
      ok: false,
      reason: denied ? `${said}: run as root (CAP_NET_RAW)` : `cannot open a raw socket: ${said}`,
    };
  }
  const { handle } = opened;
  const sources = new Map<string, Promise<string>>();
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
        for (let attempt = 0; ; attempt++) {
          const errno = addon.send(handle, segment, target);
          if (errno === 0 || UNREACHABLE.has(errno)) return errno;
          const retry = errno === constants.errno.EAGAIN || errno === constants.errno.ENOBUFS;
          if (!retry || attempt === SEND_RETRIES) {
            const name = errnoNames.get(errno) ?? `errno ${errno}`;
            throw new EarshotError('ERR_RESOURCE', `Raw send to ${target} failed: ${name}.`);
          }
          await sleep(SEND_RETRY_MS);
        }
      },
      onReply(listener) {
        listeners.push(listener);
        return () => {
          const at = listeners.indexOf(listener);
          if (at !== -1) listeners.splice(at, 1);
        };
      },
      close() {
        addon.close(handle);
      },
    },
  };
}
