// The listening sockets of this process's network namespace, asked of the kernel through netlink
// sock_diag (sock_diag(7)) by earshot's own addon (native/sock_diag.c) instead of read from
// /proc/net/{tcp,tcp6,udp,udp6}. For TCP the kernel then walks only its listening hash and answers
// in binary, where the text tables format every socket (bench/watch.ts: most of an idle watch's CPU
// with 2,000 listeners). The sockets come out as parseProcNet(..., { listeningOnly: true }) makes
// them from the same kernel state, field for field. earshot runs without the addon;
// `loadSockDiag` then says why.
import { loadNativeAddon, nativeAddonPath } from '../io/native-addon.js';
import type { Socket } from '../model.js';
import { formatIpv6, NO_INODE, NO_OWNER, type ProcNetTable, socketStateName } from './proc-net.js';

interface SockDiagAddon {
  dump(family: 4 | 6, protocol: 'tcp' | 'udp', states: number): Buffer | SockDiagFailure;
  recordBytes: number;
}

/** Why a dump failed: the errno and what the addon was doing. */
export interface SockDiagFailure {
  errno: number;
  message: string;
}

/** A dump: one fixed-size record a socket (layout in native/sock_diag.c), or why it failed. */
export type SockDiagDump = { ok: true; records: Buffer } | ({ ok: false } & SockDiagFailure);

/** Dumps the listening sockets of one table of this process's network namespace. */
export interface SockDiag {
  dumpListening(table: Pick<ProcNetTable, 'protocol' | 'family'>): SockDiagDump;
}

/** Either the reader, or why there is none (to say as "netlink sock_diag unavailable (...)"). */
export type SockDiagResult = { ok: true; sockDiag: SockDiag } | { ok: false; reason: string };

// include/net/tcp_states.h. The states /proc/net/{tcp,udp} list as listening (proc-net.ts
// isListening): TCP_LISTEN, and for UDP TCP_CLOSE, a bound socket that is not connected.
const TCP_LISTEN = 10;
const TCP_CLOSE = 7;
const RECORD_BYTES = 56;

/** Loads the addon (default: the one `npm install` built); tests pass another path. */
export function loadSockDiag(addonPath: string = nativeAddonPath('sock_diag')): SockDiagResult {
  const addon = loadNativeAddon<SockDiagAddon>(addonPath);
  if (typeof addon === 'string') return { ok: false, reason: addon };
  if (typeof addon.dump !== 'function' || addon.recordBytes !== RECORD_BYTES) {
    return { ok: false, reason: `${addonPath} is not earshot's sock_diag addon; run "npm rebuild"` };
  }
  return {
    ok: true,
    sockDiag: {
      dumpListening(table) {
        const answer = addon.dump(
          table.family === 'ipv4' ? 4 : 6,
          table.protocol,
          1 << (table.protocol === 'tcp' ? TCP_LISTEN : TCP_CLOSE),
        );
        return Buffer.isBuffer(answer)
          ? { ok: true, records: answer }
          : { ok: false, errno: answer.errno, message: answer.message };
      },
    },
  };
}

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) comes out as plain IPv4, as decodeProcAddress does.
function formatAddress(records: Buffer, offset: number, family: number): string {
  const at = (index: number) => records[offset + index]!;
  if (family === 4) return `${at(0)}.${at(1)}.${at(2)}.${at(3)}`;
  let mapped = at(10) === 0xff && at(11) === 0xff;
  for (let index = 0; mapped && index < 10; index++) mapped = at(index) === 0;
  if (mapped) return `${at(12)}.${at(13)}.${at(14)}.${at(15)}`;
  return formatIpv6([...records.subarray(offset, offset + 16)]);
}

/**
 * Turns a dump of `table` into Socket entries, without owners, equal to what parseProcNet makes of
 * the same sockets' /proc/net lines. A record of another family than the table's is left out.
 */
export function socketsOfDump(
  records: Buffer,
  table: Pick<ProcNetTable, 'protocol' | 'family'>,
  netns: string | null = null,
): Socket[] {
  const sockets: Socket[] = [];
  const familyCode = table.family === 'ipv4' ? 4 : 6;
  // A few addresses serve thousands of listeners: format each distinct one once.
  const addresses = new Map<string, string>();
  const address = (offset: number) => {
    const key = records.toString('latin1', offset, offset + 16);
    let text = addresses.get(key);
    if (text === undefined) {
      text = formatAddress(records, offset, familyCode);
      addresses.set(key, text);
    }
    return text;
  };
  const count = Math.floor(records.length / RECORD_BYTES);
  for (let index = 0; index < count; index++) {
    const base = index * RECORD_BYTES;
    if (records[base] !== familyCode) continue;
    const state = records[base + 1]!;
    const inode = records.readUInt32LE(base + 44);
    sockets.push({
      protocol: table.protocol,
      family: table.family,
      state: socketStateName(table.protocol, state),
      localAddress: address(base + 8),
      localPort: records.readUInt16LE(base + 2),
      remoteAddress: address(base + 24),
      remotePort: records.readUInt16LE(base + 4),
      // For a TCP listener sock_diag's wqueue is the backlog limit (net/ipv4/tcp_diag.c), while
      // /proc/net/tcp prints write_seq - snd_una, which stays 0 on a socket that never sent.
      sendQueue: table.protocol === 'tcp' && state === TCP_LISTEN ? 0 : records.readUInt32LE(base + 52),
      receiveQueue: records.readUInt32LE(base + 48),
      inode,
      uid: records.readUInt32LE(base + 40),
      user: null,
      netns,
      owners: [],
      ownerStatus: { kind: 'none', message: inode === 0 ? NO_INODE : NO_OWNER },
    });
  }
  return sockets;
}
