// The bind witness: asks the kernel, port by port, "is this port in use?" by trying to bind() it,
// as unhide-tcp does. It never calls listen(), so nothing is ever exposed that a peer could connect
// to. It is a third witness beside the network scan and /proc: a rootkit that filters
// /proc/net/tcp cannot make the kernel's bind table forget a socket.
//
// What "in use" means, from the kernel's bind conflict rules (socket(7), ip(7), ipv6(7)):
// - The probe binds the wildcard (0.0.0.0, or :: with IPV6_V6ONLY), which overlaps every local
//   address, so any socket on that port in this network namespace can conflict with it.
// - TCP probes set SO_REUSEADDR (socket(7): "a bind should succeed unless there is an active
//   listening socket bound to the address"). Then a LISTEN socket always conflicts, while TIME_WAIT
//   and connected sockets that also had SO_REUSEADDR do not: a daemon's own accepted connections and
//   the TIME_WAIT they leave after a restart (servers set SO_REUSEADDR) are not reported. Sockets
//   without SO_REUSEADDR still conflict in any state: an outgoing client connection (or its
//   TIME_WAIT) makes its ephemeral local port "in use". Such sockets are listed in /proc/net/tcp in
//   that state, so a reconciler must count a table entry in *any* state as explaining a port.
// - A TCP socket that is bound but neither listening nor connected is in no /proc/net/tcp line (the
//   file lists the listening and established hashes only), yet without SO_REUSEADDR it makes its
//   port "in use": a program between bind() and listen()/connect(), or holding a port in reserve.
//   With SO_REUSEADDR such a socket does not conflict with the probe and stays unseen.
// - Any port can be taken or freed between two reads: a caller should probe the ports found in use
//   a second time, and read /proc in between, before calling one hidden.
// - UDP probes do not set SO_REUSEADDR: for UDP it would let the probe share the port with any
//   socket that set it too (avahi, DHCP clients do), hiding them. UDP has no TIME_WAIT.
// - IPv4 probe: conflicts with IPv4 sockets and with dual-stack IPv6 wildcard (::) sockets; not with
//   IPv6-only ones (including any socket bound to a specific IPv6 address, which the kernel makes
//   v6-only). IPv6 probe (IPV6_V6ONLY): conflicts with every IPv6 socket, v6-only or dual-stack,
//   and with no IPv4 socket. (ipv6(7), IPV6_V6ONLY.)
// - Bind tables are per network namespace: sockets of other namespaces (containers) never count.
// - Ports below net.ipv4.ip_unprivileged_port_start (1024) need CAP_NET_BIND_SERVICE: without it
//   bind() fails with EACCES before any conflict check, so those ports are "unknown", not free.
// - For the microseconds a UDP probe socket is bound, a datagram to that port is queued and dropped
//   at close, unanswered, instead of drawing an ICMP port-unreachable. A TCP probe socket answers a
//   SYN with RST, exactly as a free port does.
import { createSocket } from 'node:dgram';
import { constants } from 'node:os';
import { EarshotError } from '../errors.js';
import { loadNativeAddon, nativeAddonPath } from '../io/native-addon.js';
import type { AddressFamily, Protocol } from '../model.js';

/** What to probe. */
export interface BindProbeOptions {
  protocol: Protocol;
  family: AddressFamily;
  /** Ports to probe, 1..65535; default every port. */
  ports?: readonly number[];
  signal?: AbortSignal;
  /** Set SO_REUSEADDR on the probe socket. Default: true for TCP, false for UDP (see above). */
  reuseAddress?: boolean;
  /** Path of the native addon; tests point it elsewhere to exercise the fallback. */
  addonPath?: string;
}

/** How the ports were probed: the native addon, Node's dgram (UDP fallback), or not at all. */
export type BindProbeMethod = 'native' | 'dgram' | 'none';

/** The bind witness's answer for one protocol and family. */
export interface BindProbeResult {
  available: boolean;
  /** Why the witness could not run (addon not built, IPv6 missing...); null when it ran. */
  unavailableReason: string | null;
  method: BindProbeMethod;
  /** Ports where bind() failed with EADDRINUSE, ascending. */
  inUse: number[];
  /** Ports where bind() failed otherwise (EACCES below 1024 without root...): neither free nor in use. */
  unknown: { port: number; errno: string }[];
  /** How many ports were probed, and how long it took. */
  probedCount: number;
  elapsedMs: number;
}

interface NativeAddon {
  probe(ports: Uint16Array, protocol: Protocol, family: 4 | 6, reuseAddress: boolean): Promise<Int32Array>;
}

/** Where `npm install` builds the addon (binding.gyp at the package root). */
const defaultAddonPath = nativeAddonPath('bind_probe');

// Small enough that an abort is noticed within ~20 ms, large enough that the thread hop is noise.
const chunkSize = 8192;
const dgramConcurrency = 64;

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, number]) => [number, name] as [number, string]),
);
const errnoName = (errno: number): string => errnoNames.get(errno) ?? `errno ${errno}`;

function validatePorts(ports: readonly number[]): Uint16Array {
  const array = new Uint16Array(ports.length);
  ports.forEach((port, index) => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new EarshotError(
        'ERR_PORT_SPEC',
        `Invalid port ${String(port)} for the bind probe: ports run from 1 to 65535.`,
      );
    }
    array[index] = port;
  });
  return array;
}

const allPorts = (): Uint16Array => Uint16Array.from({ length: 65535 }, (_, index) => index + 1);

/** Collects per-port errnos (0 free, >0 bind errno, <0 socket/setsockopt errno) into a result. */
function summarize(ports: Uint16Array, errnos: Int32Array, method: BindProbeMethod, startedAt: number) {
  const inUse: number[] = [];
  const unknown: { port: number; errno: string }[] = [];
  let probeFailures = 0;
  let firstFailure = 0;
  errnos.forEach((errno, index) => {
    const port = ports[index]!;
    if (errno === 0) return;
    if (errno === constants.errno.EADDRINUSE) inUse.push(port);
    else unknown.push({ port, errno: errnoName(Math.abs(errno)) });
    if (errno < 0 && probeFailures++ === 0) firstFailure = -errno;
  });
  const elapsedMs = Math.round(performance.now() - startedAt);
  // The probe socket itself could never be made (no IPv6 in this kernel...): no answer at all.
  if (ports.length > 0 && probeFailures === ports.length) {
    return unavailable(`cannot create a probe socket (${errnoName(firstFailure)})`, method, elapsedMs);
  }
  inUse.sort((a, b) => a - b);
  unknown.sort((a, b) => a.port - b.port);
  const result: BindProbeResult = {
    available: true,
    unavailableReason: null,
    method,
    inUse,
    unknown,
    probedCount: ports.length,
    elapsedMs,
  };
  return result;
}

function unavailable(reason: string, method: BindProbeMethod, elapsedMs = 0): BindProbeResult {
  return {
    available: false,
    unavailableReason: reason,
    method,
    inUse: [],
    unknown: [],
    probedCount: 0,
    elapsedMs,
  };
}

/** Binds each port with Node's dgram (no listen exists for UDP), `dgramConcurrency` at a time. */
async function probeWithDgram(
  ports: Uint16Array,
  family: AddressFamily,
  reuseAddr: boolean,
  signal?: AbortSignal,
) {
  const errnos = new Int32Array(ports.length);
  const bindOne = (port: number): Promise<number> =>
    new Promise((resolve) => {
      // ipv6Only on a udp4 socket makes bind() fail with EINVAL.
      const socket =
        family === 'ipv6'
          ? createSocket({ type: 'udp6', ipv6Only: true, reuseAddr })
          : createSocket({ type: 'udp4', reuseAddr });
      const finish = (errno: number) => {
        socket.removeAllListeners();
        socket.close();
        resolve(errno);
      };
      socket.once('listening', () => finish(0));
      socket.once('error', (error: NodeJS.ErrnoException) => {
        const errno = (constants.errno as Record<string, number>)[error.code ?? ''] ?? constants.errno.EINVAL;
        // No IPv6 in this kernel is the probe failing, not the port: negative, as the addon reports it.
        finish(errno === constants.errno.EAFNOSUPPORT ? -errno : errno);
      });
      socket.bind({ port, address: family === 'ipv6' ? '::' : '0.0.0.0', exclusive: true });
    });
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      signal?.throwIfAborted();
      const index = next++;
      errnos[index] = await bindOne(ports[index]!);
    }
  };
  await Promise.all(Array.from({ length: dgramConcurrency }, worker));
  return errnos;
}

/**
 * Asks the kernel which of `ports` are in use for one protocol and family, by bind() without
 * listen(). Without the native addon, TCP is unavailable (with the reason) and UDP falls back to
 * Node's dgram bind, which has the same semantics but is slower.
 */
export async function probeBoundPorts(options: BindProbeOptions): Promise<BindProbeResult> {
  const { protocol, family, signal } = options;
  const ports = options.ports ? validatePorts(options.ports) : allPorts();
  const reuseAddress = options.reuseAddress ?? protocol === 'tcp';
  signal?.throwIfAborted();
  const startedAt = performance.now();
  const addon = loadNativeAddon<NativeAddon>(options.addonPath ?? defaultAddonPath);
  if (typeof addon === 'string') {
    if (protocol === 'tcp') return unavailable(addon, 'none');
    return summarize(ports, await probeWithDgram(ports, family, reuseAddress, signal), 'dgram', startedAt);
  }
  const errnos = new Int32Array(ports.length);
  for (let offset = 0; offset < ports.length; offset += chunkSize) {
    signal?.throwIfAborted();
    const chunk = ports.subarray(offset, offset + chunkSize);
    errnos.set(await addon.probe(chunk, protocol, family === 'ipv6' ? 6 : 4, reuseAddress), offset);
  }
  signal?.throwIfAborted();
  return summarize(ports, errnos, 'native', startedAt);
}
