// Node's udp_wrap binding (the layer under dgram.Socket) as the UDP engine uses it: handles bound to
// ports of our choosing, the errors a probe can meet and their meaning, and the map of our own ports.
import { constants as osConstants } from 'node:os';
import { EarshotError } from '../../errors.js';
import type { AddressFamily } from '../../model.js';
import { Outcome, type OutcomeCode } from '../engine/outcome.js';

/** The methods of a libuv UDP handle (udp_wrap's UDP, the layer under dgram.Socket) we use. */
export interface UdpHandle {
  bind(address: string, port: number, flags: number): number;
  bind6(address: string, port: number, flags: number): number;
  connect(address: string, port: number): number;
  connect6(address: string, port: number): number;
  disconnect(): number;
  send(req: object, list: Buffer[], count: number, hasCallback: boolean): number;
  recvStart(): number;
  close(): void;
  onmessage: (nread: number, handle: UdpHandle, buffer?: Buffer) => void;
  /** The engine's slot of the probe in flight, -1 when idle. */
  slot: number;
  /** ownPortIndex of the bound port. */
  localPort: number;
}
interface UdpWrapBinding {
  UDP: new () => UdpHandle;
  SendWrap: new () => object;
}
/** Node's udp_wrap binding. */
// process.binding('udp_wrap') is on Node's allow-list through Node 22, like tcp_wrap (tcp-handles.ts).
export const binding = (process as unknown as { binding(name: string): UdpWrapBinding }).binding('udp_wrap');

const errno = osConstants.errno;
/** libuv's status for ICMP port-unreachable on a connected socket. */
export const UV_ECONNREFUSED = -errno.ECONNREFUSED;
// Source ports of the probes: Linux's default ip_local_port_range, tried at random.
const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 61000;
const BIND_ATTEMPTS = 64;
// UDP_V6ONLY: a udp6 socket that never sees v4-mapped peers (uv_udp_flags).
const UV_UDP_IPV6ONLY = 1;

// Running out of descriptors, buffers or memory says nothing about the target: retry later.
const RESOURCE_ERRNOS = new Set([errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM]);

/** Errors of a UDP probe and what they say about the port; null: retry later (resources). */
export function outcomeOfUdpError(status: number): OutcomeCode | null {
  switch (-status) {
    case errno.ECONNREFUSED:
      return Outcome.closed;
    case errno.EHOSTUNREACH:
      return Outcome.hostUnreach;
    case errno.EACCES:
    case errno.EPERM:
      return Outcome.adminProhibited;
    case errno.ENETUNREACH:
    case errno.ENETDOWN:
    case errno.EINVAL:
      return Outcome.netUnreach;
    case errno.EMFILE:
    case errno.ENFILE:
    case errno.ENOBUFS:
    case errno.EAGAIN:
    case errno.ENOMEM:
    case errno.EADDRNOTAVAIL:
      return null;
    default:
      return Outcome.noResponse;
  }
}

/**
 * Ports held by this scan's own UDP sockets, v4 at [port] and v6 at [65536 + port], shared by every
 * thread of the scan. At an address of this host (loopback or an interface's) a datagram to such a
 * port reaches our own socket, bound to the wildcard address (an idle one swallows it; two that
 * probe each other's ports answer each other), so those probes would lie.
 */
export function createOwnPortMap(): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(2 * 65536));
}

/** Where `port` of `family` sits in an own-port map. */
export function ownPortIndex(family: AddressFamily, port: number): number {
  return (family === 'ipv6' ? 65536 : 0) + port;
}

/**
 * A UDP socket bound to a random ephemeral port by number, receiving, marked in `ownPorts`; null when
 * the process or system is out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): retry
 * later, as for a TCP connect. By number, because disconnect(2) of a socket bound to port 0 gives
 * its port back (the kernel keeps only ports bound explicitly, SOCK_BINDPORT_LOCK) and the next
 * connect would pick another one.
 */
export function openUdpHandle(family: AddressFamily, ownPorts: Uint8Array): UdpHandle | null {
  let status = 0;
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    const port = EPHEMERAL_LOW + Math.floor(Math.random() * (EPHEMERAL_HIGH - EPHEMERAL_LOW));
    const handle = new binding.UDP();
    status = family === 'ipv6' ? handle.bind6('::', port, UV_UDP_IPV6ONLY) : handle.bind('0.0.0.0', port, 0);
    if (status === 0) status = handle.recvStart();
    if (status !== 0) {
      handle.close();
      if (-status === errno.EADDRINUSE || -status === errno.EACCES) continue;
      if (RESOURCE_ERRNOS.has(-status)) return null;
      break;
    }
    handle.localPort = ownPortIndex(family, port);
    handle.slot = -1;
    Atomics.store(ownPorts, handle.localPort, 1);
    return handle;
  }
  throw new EarshotError(
    'ERR_RESOURCE',
    `Cannot open a UDP socket (libuv status ${status}): check ulimit -n.`,
  );
}
