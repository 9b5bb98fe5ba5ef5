// Parses the kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}, into Socket entries.
// Format: kernel Documentation/networking/proc_net_tcp.rst and net/ipv4/tcp_ipv4.c (get_tcp4_sock).
import { endianness } from 'node:os';
import type { AddressFamily, InventoryWarning, Protocol, Socket, SocketState } from '../model.js';

/** One of the four tables: which protocol and family its lines describe. */
export interface ProcNetTable {
  protocol: Protocol;
  family: AddressFamily;
  /** File name under net/: tcp, tcp6, udp or udp6. */
  file: string;
}

/** The four tables, in the order earshot reads them. */
export const PROC_NET_TABLES: readonly ProcNetTable[] = [
  { protocol: 'tcp', family: 'ipv4', file: 'tcp' },
  { protocol: 'tcp', family: 'ipv6', file: 'tcp6' },
  { protocol: 'udp', family: 'ipv4', file: 'udp' },
  { protocol: 'udp', family: 'ipv6', file: 'udp6' },
];

// include/net/tcp_states.h: the hex `st` column.
const TCP_STATES: readonly SocketState[] = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

const LITTLE_ENDIAN = endianness() === 'LE';

/** The kernel state name for a table's hex state, with UDP's TCP_CLOSE named UNCONN as `ss` does. */
export function socketStateName(protocol: Protocol, code: number): SocketState {
  if (protocol === 'udp') {
    if (code === 7) return 'UNCONN';
    if (code === 1) return 'ESTABLISHED';
    return 'UNKNOWN';
  }
  return TCP_STATES[code] ?? 'UNKNOWN';
}

// The kernel prints each 32-bit word of an address with %08X in host byte order.
function wordBytes(hex: string, offset: number, out: number[]): void {
  const word = Number.parseInt(hex.slice(offset, offset + 8), 16);
  if (LITTLE_ENDIAN) out.push(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, (word >>> 24) & 0xff);
  else out.push((word >>> 24) & 0xff, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

/** Formats 16 bytes as an RFC 5952 IPv6 address (lower case, longest zero run as `::`). */
export function formatIpv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Decodes a table address (8 hex digits for IPv4, 32 for IPv6) to text; a v4-mapped IPv6 address
 * (::ffff:a.b.c.d) comes out as plain IPv4. Returns null when the text is not an address.
 */
export function decodeProcAddress(hex: string): string | null {
  if ((hex.length !== 8 && hex.length !== 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let offset = 0; offset < hex.length; offset += 8) wordBytes(hex, offset, bytes);
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12).join('.') : formatIpv6(bytes);
}

/** What parseProcNet returns: the sockets (owners not yet filled in) and the lines it could not read. */
export interface ProcNetParse {
  sockets: Socket[];
  warnings: InventoryWarning[];
}

/** Options of parseProcNet. */
export interface ProcNetParseOptions {
  /** Labels every socket. */
  netns?: string | null;
  /** Keep only listening sockets (see isListening); other lines are still checked, not kept. */
  listeningOnly?: boolean;
}

// One well-formed entry: "sl: local rem st tx:rx tr:when retrnsmt uid timeout inode ...". Matching
// whole lines with one sticky regex keeps the work in the regex engine, fast even before the JIT
// warms up (a CLI run is all cold code). Without captures it only checks a line, allocating nothing.
function linePattern(addressDigits: number, capture: boolean): RegExp {
  const group = capture ? '(' : '(?:';
  const hex = (digits: string) => `${group}[0-9A-Fa-f]{${digits}})`;
  const endpoint = `${hex(String(addressDigits))}:${hex('4')}`;
  return new RegExp(
    ` *\\d+: ${endpoint} ${endpoint} ${hex('2')} ${hex('1,8')}:${hex('1,8')} +\\S+ +\\S+ +${group}\\d+) +\\S+ +${group}\\d+)(?:[ \\t][^\\n]*)?(?:\\n|$)`,
    'y',
  );
}

// With "%4d: %08X:%04X %08X:%04X %02X" the state sits at a fixed distance from the first ':'.
function hasState(text: string, colon: number, addressDigits: number, code: number): boolean {
  const at = colon + 2 + 2 * (addressDigits + 6);
  const high = text.charCodeAt(at);
  const low = text.charCodeAt(at + 1) | 0x20;
  const digit = (c: number) => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1);
  return high === 48 + (code >> 4) && digit(low) === (code & 15);
}

// Says what is wrong with a line the pattern refused (the slow path, for the warning only).
function diagnose(line: string, addressDigits: number, family: AddressFamily): string {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 10 || !/^\d+:$/.test(fields[0]!)) {
    return `malformed line (${fields.length} fields, expected at least 10)`;
  }
  const endpoint = new RegExp(`^[0-9A-Fa-f]{${addressDigits}}:[0-9A-Fa-f]{4}$`);
  if (!endpoint.test(fields[1]!) || !endpoint.test(fields[2]!)) return `malformed address for ${family}`;
  return 'malformed state, queue, uid or inode field';
}

/**
 * Parses one table's text. `source` names the file in warnings. A line that is not a well-formed
 * entry (truncated, garbled) becomes a warning with its 1-based line number; it never throws.
 * Owners are left empty with status `none`, for the owner scan to fill.
 */
export function parseProcNet(
  text: string,
  table: Pick<ProcNetTable, 'protocol' | 'family'>,
  source: string,
  options: ProcNetParseOptions = {},
): ProcNetParse {
  const netns = options.netns ?? null;
  const sockets: Socket[] = [];
  const warnings: InventoryWarning[] = [];
  const addressDigits = table.family === 'ipv4' ? 8 : 32;
  const pattern = linePattern(addressDigits, true);
  const check = linePattern(addressDigits, false);
  const listenCode = table.protocol === 'tcp' ? 10 : 7;
  // Thousands of connections share a handful of addresses: decode each distinct one once.
  const addresses = new Map<string, string>();
  const decode = (hex: string) => {
    let address = addresses.get(hex);
    if (address === undefined) {
      address = decodeProcAddress(hex)!;
      addresses.set(hex, address);
    }
    return address;
  };
  let position = 0;
  let number = 1;
  if (/^\s*sl\s/.test(text)) {
    const end = text.indexOf('\n');
    position = end < 0 ? text.length : end + 1;
    number = 2;
  }
  for (; position < text.length; number++) {
    // Most lines of a busy host are connections: with listeningOnly, check them without capturing.
    if (options.listeningOnly && !hasState(text, text.indexOf(':', position), addressDigits, listenCode)) {
      check.lastIndex = position;
      if (check.test(text)) {
        position = check.lastIndex;
        continue;
      }
    }
    pattern.lastIndex = position;
    const match = pattern.exec(text);
    if (match === null) {
      let end = text.indexOf('\n', position);
      // A bad final line without its newline was most likely cut short while being read or copied.
      const cut = end < 0 ? 'truncated line (no newline at the end); ' : '';
      if (end < 0) end = text.length;
      const line = text.slice(position, end);
      position = end + 1;
      if (line.trim() === '') continue;
      const why = diagnose(line, addressDigits, table.family);
      warnings.push({ source, line: number, message: `${cut}${why}: ${line.trim().slice(0, 200)}` });
      continue;
    }
    position = pattern.lastIndex;
    const state = Number.parseInt(match[5]!, 16);
    if (options.listeningOnly && state !== listenCode) continue;
    const inode = Number(match[9]);
    sockets.push({
      protocol: table.protocol,
      family: table.family,
      state: socketStateName(table.protocol, state),
      localAddress: decode(match[1]!),
      localPort: Number.parseInt(match[2]!, 16),
      remoteAddress: decode(match[3]!),
      remotePort: Number.parseInt(match[4]!, 16),
      sendQueue: Number.parseInt(match[6]!, 16),
      receiveQueue: Number.parseInt(match[7]!, 16),
      inode,
      uid: Number(match[8]),
      user: null,
      netns,
      owners: [],
      ownerStatus: { kind: 'none', message: inode === 0 ? NO_INODE : NO_OWNER },
    });
  }
  return { sockets, warnings };
}

/** The status message of a socket that no process holds. */
export const NO_OWNER = 'no owner (kernel socket)';

/** The status message of a connection the kernel keeps after every process closed it (TIME_WAIT). */
export const NO_INODE = 'no owner (closed, kernel finishing the connection)';

/** True for the sockets `ss -l` lists: TCP LISTEN, and UDP that is bound but not connected. */
export function isListening(socket: Pick<Socket, 'protocol' | 'state'>): boolean {
  return socket.protocol === 'tcp' ? socket.state === 'LISTEN' : socket.state === 'UNCONN';
}
