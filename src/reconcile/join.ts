// Joins the witnesses per endpoint: every kernel listener becomes a row, each scanned address's
// answer is attached to the listener that receives it, and answers no listener receives are kept
// apart as unexplained.
import type {
  HostResult,
  NetworkObservation,
  PortResult,
  PortState,
  Protocol,
  RpcRegistration,
  Socket,
} from '../model.js';
import { type CanonicalAddress, CoverScore, canonicalAddress, coverScore } from './coverage.js';

/** One endpoint under judgement: a kernel listener, or an address that answered with none behind it. */
export interface PortRow {
  protocol: Protocol;
  port: number;
  address: CanonicalAddress;
  /** Kernel sockets listening on exactly this endpoint (several with SO_REUSEPORT). */
  sockets: Socket[];
  network: NetworkObservation[];
}

/** An open port at a scanned address that no kernel listener receives. */
export interface UnexplainedAnswer {
  protocol: Protocol;
  port: number;
  address: CanonicalAddress;
  observation: NetworkObservation;
}

/** The ports the network witness probed, per protocol (a protocol it did not scan is absent). */
export type ScannedPorts = Partial<Record<Protocol, readonly number[]>>;

/** Rows and the answers nothing local explains. */
export interface JoinResult {
  rows: PortRow[];
  unexplained: UnexplainedAnswer[];
}

/** A socket that accepts traffic: TCP in LISTEN, or UDP bound to a port and not connected. */
export function isListening(socket: Socket): boolean {
  if (socket.localPort === 0) return false;
  return socket.protocol === 'tcp' ? socket.state === 'LISTEN' : socket.state === 'UNCONN';
}

/** The state a host showed for a port: listed ports first, else the state the rest were in. */
export function stateAt(host: HostResult, protocol: Protocol, port: number): NetworkObservation | null {
  const listed: PortResult | undefined = host.ports.find(
    (result) => result.protocol === protocol && result.port === port,
  );
  if (listed) return { address: host.address, state: listed.state, reason: listed.reason };
  // Extra ports without a protocol come from a TCP scan (the field was added with UDP).
  const rest = host.extraPorts.find((extra) => (extra.protocol ?? 'tcp') === protocol);
  if (!rest) return null;
  const reason = (Object.keys(rest.reasons)[0] ?? 'conn-refused') as NetworkObservation['reason'];
  return { address: host.address, state: rest.state as PortState, reason };
}

const rowKey = (protocol: Protocol, port: number, address: string) => `${protocol}/${port}/${address}`;

/** Builds rows from the kernel's listeners and attaches what each scanned, up host showed. */
export function joinWitnesses(
  sockets: readonly Socket[],
  hosts: readonly HostResult[],
  scannedPorts: ScannedPorts,
): JoinResult {
  const rows = new Map<string, PortRow>();
  const byPort = new Map<string, PortRow[]>();
  for (const socket of sockets) {
    if (!isListening(socket)) continue;
    const address = canonicalAddress(socket.localAddress);
    const key = rowKey(socket.protocol, socket.localPort, address.text);
    let row = rows.get(key);
    if (!row) {
      row = { protocol: socket.protocol, port: socket.localPort, address, sockets: [], network: [] };
      rows.set(key, row);
      const portKey = `${socket.protocol}/${socket.localPort}`;
      byPort.set(portKey, [...(byPort.get(portKey) ?? []), row]);
    }
    row.sockets.push(socket);
  }

  const unexplained: UnexplainedAnswer[] = [];
  for (const host of hosts) {
    if (host.status !== 'up') continue;
    const destination = canonicalAddress(host.address);
    for (const [protocol, probed] of Object.entries(scannedPorts) as [Protocol, readonly number[]][]) {
      // A host result speaks for the protocols it holds results of (TCP and UDP may come apart).
      const holds =
        host.ports.some((result) => result.protocol === protocol) ||
        host.extraPorts.some((extra) => (extra.protocol ?? 'tcp') === protocol);
      if (!holds) continue;
      const ports = new Set<number>();
      for (const result of host.ports) if (result.protocol === protocol) ports.add(result.port);
      // A listener on a port the scan never probed has no network observation, not "closed".
      const wasProbed = probedSet(probed);
      for (const row of rows.values())
        if (row.protocol === protocol && wasProbed.has(row.port)) ports.add(row.port);
      for (const port of ports) {
        const observation = stateAt(host, protocol, port);
        if (!observation) continue;
        const receiver = bestReceiver(byPort.get(`${protocol}/${port}`) ?? [], destination);
        if (receiver) receiver.network.push(observation);
        else if (observation.state === 'open')
          unexplained.push({ protocol, port, address: destination, observation });
      }
    }
  }
  return { rows: [...rows.values()], unexplained };
}

/** Where a registration is served: the host of its universal address (RFC 5665 "h.p1.p2"), or its family's wildcard when portmap v2 names none. */
function registrationAddress(registration: RpcRegistration): CanonicalAddress {
  const host = registration.address?.replace(/\.\d{1,3}\.\d{1,3}$/, '');
  return canonicalAddress(host || (registration.family === 'ipv6' ? '::' : '0.0.0.0'));
}

/**
 * Gives each portmapper registration to the row that receives its address, by the same rules of
 * bind(2) as network answers: an IPv4 listener on 0.0.0.0 and a v6-only one on :: may share a port
 * number (ypserv's tcp and ypbind's tcp6 do), and each takes only its own program. A registration
 * that no row's address covers goes to the rows of its family there, else to every row there.
 */
export function joinRegistrations(
  rows: readonly PortRow[],
  registrations: readonly RpcRegistration[],
): Map<PortRow, RpcRegistration[]> {
  const byPort = new Map<string, PortRow[]>();
  for (const row of rows) {
    const key = `${row.protocol}/${row.port}`;
    byPort.set(key, [...(byPort.get(key) ?? []), row]);
  }
  const joined = new Map<PortRow, RpcRegistration[]>();
  for (const registration of registrations) {
    const candidates = byPort.get(`${registration.protocol}/${registration.port}`) ?? [];
    const address = registrationAddress(registration);
    const receiver = bestReceiver(candidates, address);
    const sameFamily = candidates.filter((row) => row.address.family === address.family);
    const targets = receiver ? [receiver] : sameFamily.length > 0 ? sameFamily : candidates;
    for (const row of targets) joined.set(row, [...(joined.get(row) ?? []), registration]);
  }
  return joined;
}

const probedSets = new WeakMap<readonly number[], ReadonlySet<number>>();

function probedSet(ports: readonly number[]): ReadonlySet<number> {
  let set = probedSets.get(ports);
  if (!set) {
    set = new Set(ports);
    probedSets.set(ports, set);
  }
  return set;
}

/** True when the network witness probed `port` of `protocol`. */
export function wasScanned(scannedPorts: ScannedPorts, protocol: Protocol, port: number): boolean {
  const probed = scannedPorts[protocol];
  return probed !== undefined && probedSet(probed).has(port);
}

function bestReceiver(candidates: readonly PortRow[], destination: CanonicalAddress): PortRow | null {
  let best: PortRow | null = null;
  let bestScore: number = CoverScore.none;
  for (const row of candidates) {
    const score = coverScore(row.address, destination);
    if (score > bestScore) {
      best = row;
      bestScore = score;
    }
  }
  return best;
}
