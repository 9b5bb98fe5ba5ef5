// Node's tcp_wrap binding (the layer under net.Socket) as the engine uses it: handle types, the
// libuv error codes it tells apart, their meaning as port outcomes, and a pool of reusable sockets.
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { AddressFamily } from '../../model.js';
import { Outcome, type OutcomeCode } from '../engine/outcome.js';

/** The methods of a libuv TCP handle (tcp_wrap's TCP) the engine uses. */
export interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  getsockname(out: { address?: string; port?: number }): number;
  getpeername(out: { address?: string; port?: number }): number;
  reset(): number;
  close(): void;
}
/** A connect request (tcp_wrap's TCPConnectWrap); `slot` is ours. */
export interface ConnectReq {
  oncomplete: (status: number, handle: TcpHandle, req: ConnectReq) => void;
  slot: number;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

/** Node's tcp_wrap binding. */
// process.binding is documented as deprecated but tcp_wrap stays on its allow-list through Node 22;
// it is what net.Socket itself is built on.
export const binding = (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');

const errno = osConstants.errno;
/** libuv's error codes the engine tells apart (negative errno values). */
export const UV = {
  ECONNREFUSED: -errno.ECONNREFUSED,
  ECONNABORTED: -errno.ECONNABORTED,
  ECANCELED: -errno.ECANCELED,
  EHOSTUNREACH: -errno.EHOSTUNREACH,
  ENETUNREACH: -errno.ENETUNREACH,
  ENETDOWN: -errno.ENETDOWN,
  EACCES: -errno.EACCES,
  EPERM: -errno.EPERM,
  EINVAL: -errno.EINVAL,
  ETIMEDOUT: -errno.ETIMEDOUT,
};

// Running out of descriptors, buffers or source ports says nothing about the target: retry later.
const RESOURCE_ERRORS = new Set(
  ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN', 'ENOMEM'].map(
    (name) => -(errno as Record<string, number>)[name]!,
  ),
);

/** Maps a failed connect's status to an outcome; null for resource errors (retry). */
export function outcomeOfError(status: number): OutcomeCode | null {
  if (RESOURCE_ERRORS.has(status)) return null;
  switch (status) {
    case UV.ECONNREFUSED:
      return Outcome.closed;
    // v6 REJECT admin-prohibited and local firewall rules (connect(2): EACCES, EPERM).
    case UV.EACCES:
    case UV.EPERM:
      return Outcome.adminProhibited;
    // v4 ICMP host-unreachable, and admin-prohibited: the kernel maps both to EHOSTUNREACH.
    case UV.EHOSTUNREACH:
      return Outcome.hostUnreach;
    // EINVAL: a blackhole route.
    case UV.ENETUNREACH:
    case UV.ENETDOWN:
    case UV.EINVAL:
      return Outcome.netUnreach;
    default:
      return Outcome.noResponse;
  }
}

/** The source ports the kernel picks from (ip-sysctl.rst: ip_local_port_range, for IPv4 and IPv6). */
export interface PortRange {
  has(port: number): boolean;
}

/** Reads ip_local_port_range; when it cannot be read, every port is taken as possible. */
export function ephemeralPortRange(): PortRange {
  let low = 0;
  let high = 65535;
  try {
    const match = /^(\d+)\s+(\d+)/.exec(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'));
    if (match) [low, high] = [Number(match[1]), Number(match[2])];
  } catch {
    // No procfs: check every open port.
  }
  return { has: (port) => port >= low && port <= high };
}

/**
 * True when a connected socket reached itself: the kernel picked the target port as our source port,
 * which proves nothing listens there (a listener would have kept that port out of the ephemeral
 * pool). Only a port in the ephemeral range can be picked, so only those need the two look-ups.
 */
export function isSelfConnect(handle: TcpHandle): boolean {
  const local: { address?: string; port?: number } = {};
  const peer: { address?: string; port?: number } = {};
  handle.getsockname(local);
  handle.getpeername(peer);
  return local.port === peer.port && local.address === peer.address;
}

// Spares are taken back as fast as refusals come in on a scan that reuses them; the bound keeps a
// scan whose probes stopped taking spares from holding descriptors it does not use.
const MAX_SPARES = 256;

/**
 * Sockets whose connect was refused, by family, ready for another connect. Reusing one saves the
 * socket(), close() and epoll_ctl() calls and Node's handle set-up: about a third of a loopback
 * scan's CPU. connect(2) on it first answers ECONNABORTED (the kernel resets the socket to
 * unconnected), then starts the new connect; any other answer retires the socket.
 */
export class SocketPool {
  readonly #spares: TcpHandle[][] = [[], []];
  /** The status of the last `connect` (0: started). */
  lastError = 0;

  /** Keeps a refused socket for reuse; beyond MAX_SPARES a family's spares it is closed instead. */
  keep(handle: TcpHandle, family: AddressFamily): void {
    const spares = this.#spares[family === 'ipv6' ? 1 : 0]!;
    if (spares.length < MAX_SPARES) spares.push(handle);
    else handle.close();
  }

  /**
   * Starts a connect on a spare socket if one is ready (and `reuse`), else on a new one; sets
   * `lastError`.
   *
   * A host that leaves probes unanswered gets new sockets only: toward a host that dropped some
   * ports and rejected others, a reused socket sometimes reported a dropped port refused (4 runs in
   * 8 under load, across a veth, with iptables DROP and REJECT; none in 16 with new sockets for the
   * retries). Which kernel state carries the stale refusal is not pinned down; the retry of an
   * unanswered port is where it showed. A host that answers every probe (loopback, where reuse pays)
   * keeps the saving.
   */
  connect(family: AddressFamily, address: string, port: number, req: ConnectReq, reuse = true): TcpHandle {
    const v6 = family === 'ipv6';
    const spare = reuse ? this.#spares[v6 ? 1 : 0]!.pop() : undefined;
    if (spare !== undefined) {
      let error = v6 ? spare.connect6(req, address, port) : spare.connect(req, address, port);
      if (error === UV.ECONNABORTED) {
        error = v6 ? spare.connect6(req, address, port) : spare.connect(req, address, port);
      }
      if (error === 0) {
        this.lastError = 0;
        return spare;
      }
      spare.close();
    }
    const handle = new binding.TCP(binding.constants.SOCKET);
    this.lastError = v6 ? handle.connect6(req, address, port) : handle.connect(req, address, port);
    return handle;
  }

  /** Closes every spare socket. */
  close(): void {
    for (const pool of this.#spares) for (const handle of pool.splice(0)) handle.close();
  }
}
