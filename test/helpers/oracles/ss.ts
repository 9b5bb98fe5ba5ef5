// `ss` as the oracle: parses `ss -tuanpH`-style lines and reduces both ss and earshot sockets to
// comparable keys (protocol, state, local and peer endpoint, set of pids).
import type { Socket } from '../../../src/model.js';

/** One socket as ss printed it, normalised to earshot's spelling. */
export interface SsSocket {
  protocol: string;
  state: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  pids: number[];
}

const STATES: Record<string, string> = {
  ESTAB: 'ESTABLISHED',
  'TIME-WAIT': 'TIME_WAIT',
  'SYN-SENT': 'SYN_SENT',
  'SYN-RECV': 'SYN_RECV',
  'FIN-WAIT-1': 'FIN_WAIT1',
  'FIN-WAIT-2': 'FIN_WAIT2',
  'CLOSE-WAIT': 'CLOSE_WAIT',
  'LAST-ACK': 'LAST_ACK',
};

function endpoint(text: string): { address: string; port: number } {
  const colon = text.lastIndexOf(':');
  let address = text
    .slice(0, colon)
    // A scope follows the brackets: [fe80::1]%eth0.
    .replace(/%.*$/, '')
    .replace(/^\[|\]$/g, '');
  // ss prints a dual-stack wildcard as "*" and v4-mapped addresses in full; /proc says "::" for both
  // kinds of wildcard and earshot shows v4-mapped addresses as IPv4.
  if (address === '*') address = '::';
  address = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  const port = text.slice(colon + 1);
  return { address, port: port === '*' ? 0 : Number(port) };
}

/**
 * Parses `ss -H` output with columns Netid State Recv-Q Send-Q Local Peer [Process]. ss leaves the
 * Netid column out when one protocol is asked for (`ss -tanH`): give that protocol as `only`.
 */
export function parseSs(text: string, only?: 'tcp' | 'udp'): SsSocket[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = line.trim().split(/\s+/);
      if (only) fields.unshift(only);
      const local = endpoint(fields[4]!);
      const remote = endpoint(fields[5]!);
      const pids = [
        ...fields
          .slice(6)
          .join(' ')
          .matchAll(/pid=(\d+)/g),
      ].map((m) => Number(m[1]));
      return {
        protocol: fields[0]!,
        state: STATES[fields[1]!] ?? fields[1]!,
        localAddress: local.address,
        localPort: local.port,
        remoteAddress: remote.address,
        remotePort: remote.port,
        pids: [...new Set(pids)].sort((a, b) => a - b),
      };
    });
}

type Comparable = Pick<
  SsSocket,
  'protocol' | 'state' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'
>;

/** `tcp LISTEN 0.0.0.0:834 0.0.0.0:0 [653,655]`: what must agree between ss and earshot. */
export function socketKey(socket: Comparable, pids: readonly number[]): string {
  const sorted = [...pids].sort((a, b) => a - b).join(',');
  return `${socket.protocol} ${socket.state} ${socket.localAddress}:${socket.localPort} ${socket.remoteAddress}:${socket.remotePort} [${sorted}]`;
}

/** Keys of ss's sockets, sorted. */
export function ssKeys(text: string, only?: 'tcp' | 'udp'): string[] {
  return parseSs(text, only)
    .map((socket) => socketKey(socket, socket.pids))
    .sort();
}

/** Keys of earshot's sockets, sorted. */
export function earshotKeys(sockets: readonly Socket[]): string[] {
  return sockets
    .map((socket) =>
      socketKey(
        socket,
        socket.owners.map((owner) => owner.pid),
      ),
    )
    .sort();
}
