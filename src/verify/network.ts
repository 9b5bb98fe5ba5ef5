// verify's network witness: a TCP connect scan of this host's own addresses, then a UDP scan, then
// service detection on the open TCP ports the catalog does not explain.
import type { ServiceCatalog } from '../catalog/services.js';
import type { HostResult, Protocol } from '../model.js';
import type { ScannedPorts } from '../reconcile/join.js';
import type { DetectedService } from '../reconcile/reconcile.js';
import { descriptorBudget, scanHosts, scanUdpHosts } from '../scan/engine/scan-hosts.js';
import { detectServices } from '../scan/service/service-detect.js';
import type { ScanTarget } from '../scan/targets/targets.js';

/** Which open TCP ports verify asks what they speak: none, those the catalog does not name, or all. */
export type DetectionScope = 'none' | 'unexplained' | 'all';

/** What verify's network side is asked to do. */
export interface NetworkWitnessOptions {
  targets: readonly ScanTarget[];
  tcpPorts: readonly number[];
  /** UDP ports to scan, or null for no UDP scan. */
  udpPorts: readonly number[] | null;
  detection: DetectionScope;
  catalog: ServiceCatalog;
  signal: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
  /** Runs between the TCP and the UDP scan (conntrack is read there, while the TCP records are fresh). */
  afterTcp?: () => Promise<void>;
}

/** What the network side saw. */
export interface NetworkTestimony {
  /** One result per address and protocol scanned. */
  hosts: HostResult[];
  scannedPorts: ScannedPorts;
  detected: DetectedService[];
  interrupted: boolean;
}

// A verify that waits 10 s on each silent port would not run from cron: detection is kept short.
const DETECTION = { portTimeoutMs: 2500, probeTimeoutMs: 1000, bannerWaitMs: 500 } as const;

async function collect(
  results: AsyncIterable<HostResult>,
  into: HostResult[],
  order: ReadonlyMap<string, number>,
  signal: AbortSignal,
): Promise<boolean> {
  // Hosts arrive as they finish, which varies with the threads' load; the report lists them in the
  // order of the targets, so that two runs over the same host read the same.
  const batch: HostResult[] = [];
  let interrupted = false;
  try {
    for await (const host of results) batch.push(host);
  } catch (error) {
    if (!signal.aborted) throw error;
    interrupted = true;
  }
  batch.sort((a, b) => (order.get(a.address) ?? 0) - (order.get(b.address) ?? 0));
  for (const host of batch) into.push(host);
  return interrupted;
}

function portsToDetect(host: HostResult, scope: DetectionScope, catalog: ServiceCatalog): number[] {
  if (scope === 'none' || host.status !== 'up') return [];
  return host.ports
    .filter((port) => port.protocol === 'tcp' && port.state === 'open')
    .filter((port) => scope === 'all' || catalog.lookupPort('tcp', port.port)?.source !== 'etc-services')
    .map((port) => port.port);
}

async function detectOpenServices(
  hosts: readonly HostResult[],
  options: NetworkWitnessOptions,
): Promise<DetectedService[]> {
  const perHost = await Promise.all(
    hosts.map(async (host) => {
      const ports = portsToDetect(host, options.detection, options.catalog);
      if (ports.length === 0) return [];
      const found = await detectServices({ address: host.address }, ports, {
        ...DETECTION,
        signal: options.signal,
      });
      return [...found.services].map(([port, service]) => ({ address: host.address, port, service }));
    }),
  );
  return perHost.flat();
}

/** Scans the addresses over TCP, then UDP, probing the open TCP ports in scope for their service meanwhile. */
export async function runNetworkWitness(options: NetworkWitnessOptions): Promise<NetworkTestimony> {
  const { signal } = options;
  const hosts: HostResult[] = [];
  const scannedPorts: ScannedPorts = { tcp: options.tcpPorts };
  const common = { skipDiscovery: true, signal, catalog: options.catalog, onProgress: options.onProgress };
  const order = new Map(options.targets.map((target, index) => [target.address, index]));
  let interrupted = await collect(
    scanHosts(options.targets, { ...common, ports: options.tcpPorts }),
    hosts,
    order,
    signal,
  );
  await options.afterTcp?.();
  const tcpHosts = [...hosts];
  // Detection mostly waits on peers: it runs while the UDP scan keeps the cores busy, when there are
  // descriptors enough for both. Under a low open-files limit the UDP scan takes most of them, and
  // a probe that finds none free would wait out its time: detection then runs after the scan.
  const beside = descriptorBudget() >= DETECTION_BESIDE_UDP_DESCRIPTORS;
  let detecting: Promise<DetectedService[]> | null =
    interrupted || !beside ? null : detectOpenServices(tcpHosts, options);
  detecting?.catch(() => undefined);
  if (!interrupted && options.udpPorts) {
    scannedPorts.udp = options.udpPorts;
    interrupted = await collect(
      scanUdpHosts(options.targets, { ...common, ports: options.udpPorts }),
      hosts,
      order,
      signal,
    );
  }
  if (!interrupted && !beside) detecting = detectOpenServices(tcpHosts, options);
  let detected: DetectedService[] = [];
  try {
    detected = (await detecting) ?? [];
  } catch (error) {
    if (!signal.aborted) throw error;
    interrupted = true;
  }
  return { hosts, scannedPorts, detected, interrupted };
}

// The UDP scan's widest window (-T5) and detection's connections, with room to spare.
const DETECTION_BESIDE_UDP_DESCRIPTORS = 4096;

/** The protocols a testimony covers, for the report header. */
export function scannedProtocols(scannedPorts: ScannedPorts): Protocol[] {
  return (Object.keys(scannedPorts) as Protocol[]).filter((protocol) => scannedPorts[protocol] !== undefined);
}
