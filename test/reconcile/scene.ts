import { createServiceCatalog, parseEtcServices } from '../../src/catalog/services.js';
import type { HostResult, Owner, PortResult, Socket } from '../../src/model.js';
import type { ReconcileInput } from '../../src/reconcile/reconcile.js';
import { readFixture } from '../helpers/fixtures.js';

const servicesText = readFixture('catalog/services', 'utf8');

/** A catalog from the fixture /etc/services with a couple of IANA names. */
export const catalog = createServiceCatalog(parseEtcServices(servicesText), [
  { name: 'http-alt', port: 8080, protocol: 'tcp', aliases: [], description: null, source: 'iana' },
  { name: 'rsync', port: 873, protocol: 'tcp', aliases: [], description: null, source: 'iana' },
]);

/** A process as /proc would describe it. */
export function owner(pid: number, name: string, exe: string, extra: Partial<Owner> = {}): Owner {
  return {
    pid,
    ppid: 1,
    name,
    cmdline: [exe],
    exe,
    exeDeleted: false,
    uid: 0,
    user: 'root',
    startTime: null,
    unit: null,
    container: null,
    ...extra,
  };
}

/** A listening socket. */
export function listener(protocol: 'tcp' | 'udp', address: string, port: number, owners: Owner[]): Socket {
  return {
    protocol,
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    state: protocol === 'tcp' ? 'LISTEN' : 'UNCONN',
    localAddress: address,
    localPort: port,
    remoteAddress: address.includes(':') ? '::' : '0.0.0.0',
    remotePort: 0,
    sendQueue: 0,
    receiveQueue: 0,
    inode: 1000 + port,
    uid: 0,
    netns: '4026531840',
    owners,
    ownerStatus:
      owners.length > 0 ? { kind: 'known' } : { kind: 'none', message: 'no owner (kernel socket)' },
  };
}

/** A scanned host with the given open ports; everything else closed. */
export function host(address: string, openPorts: number[], extra: PortResult[] = []): HostResult {
  const ports: PortResult[] = [
    ...openPorts.map(
      (port): PortResult => ({ protocol: 'tcp', port, state: 'open', reason: 'syn-ack', service: null }),
    ),
    ...extra,
  ];
  return {
    address,
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    hostnames: [],
    status: 'up',
    statusReason: 'user-set',
    ports,
    extraPorts: [
      { state: 'closed', count: 65535 - ports.length, reasons: { 'conn-refused': 65535 - ports.length } },
    ],
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
  };
}

/** A complete input with no bind, RPC, conntrack or baseline evidence unless given. */
export function input(
  parts: Partial<ReconcileInput> & Pick<ReconcileInput, 'hosts'> & { sockets: Socket[] },
): ReconcileInput {
  return {
    scannedPorts: { tcp: Array.from({ length: 65535 }, (_, index) => index + 1) },
    bind: [],
    rpc: [],
    conntrack: { available: true, detail: 'test', entries: [] },
    catalog,
    baseline: null,
    ...parts,
    inventory: { sockets: parts.sockets, warnings: [], complete: true },
  };
}
