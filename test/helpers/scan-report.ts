// Real-looking ScanReport objects for renderer tests, shaped like what `earshot scan` produces.
import type { HostResult, PortResult, ScanReport } from '../../src/model.js';

/** An open TCP port with its /etc/services name. */
export function openPort(port: number, name: string | null, extra: Partial<PortResult> = {}): PortResult {
  return {
    protocol: 'tcp',
    port,
    state: 'open',
    reason: 'syn-ack',
    service: name === null ? null : { name, source: 'etc-services' },
    ...extra,
  };
}

/** A listed port without a service name, in any state. */
export function bareport(port: number, state: PortResult['state'], reason: PortResult['reason']): PortResult {
  return { protocol: 'tcp', port, state, reason, service: null };
}

/** An up host with the given listed ports and the rest of `portCount` closed. */
export function upHost(
  address: string,
  ports: PortResult[],
  portCount: number,
  extra: Partial<HostResult> = {},
) {
  const closed = portCount - ports.length;
  const host: HostResult = {
    address,
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    hostnames: [],
    status: 'up',
    statusReason: 'syn-ack',
    ports,
    extraPorts: closed > 0 ? [{ state: 'closed', count: closed, reasons: { 'conn-refused': closed } }] : [],
    startedAt: '2026-11-26T15:20:14.100Z',
    endedAt: '2026-11-26T15:20:14.350Z',
    ...extra,
  };
  return host;
}

/** A host that did not answer discovery. */
export function downHost(address: string): HostResult {
  return {
    address,
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    hostnames: [],
    status: 'down',
    statusReason: 'no-response',
    ports: [],
    extraPorts: [],
    startedAt: '2026-11-26T15:20:14.100Z',
    endedAt: '2026-11-26T15:20:15.600Z',
  };
}

/** A whole report over `hosts`, scanning `portSpec` (portCount ports) over TCP connect. */
export function scanReport(
  hosts: HostResult[],
  options: { portSpec?: string; portCount?: number; interrupted?: boolean; args?: string[] } = {},
): ScanReport {
  const up = hosts.filter((host) => host.status === 'up').length;
  return {
    tool: 'earshot',
    version: '0.1.0',
    kind: 'scan',
    args: options.args ?? [
      'earshot',
      'scan',
      '-p',
      options.portSpec ?? '1-1000',
      ...hosts.map((h) => h.address),
    ],
    scanInfo: [
      {
        type: 'connect',
        protocol: 'tcp',
        portCount: options.portCount ?? 1000,
        portSpec: options.portSpec ?? '1-1000',
      },
    ],
    hosts,
    stats: {
      startedAt: '2026-11-26T15:20:14.000Z',
      endedAt: '2026-11-26T15:20:16.000Z',
      elapsedMs: 2000,
      addressesScanned: hosts.length,
      hostsUp: up,
      hostsDown: hosts.length - up,
      interrupted: options.interrupted ?? false,
    },
  };
}
