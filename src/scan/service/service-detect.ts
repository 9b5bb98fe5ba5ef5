// Service and version detection (-sV): for each open TCP port, listen for a banner, then send the
// probes most likely for that port first and the rest after, each bounded in time and bytes, inside
// a per-port budget; TLS ports are opened with a handshake and probed again inside the tunnel.
import {
  createRpcProgramCatalog,
  loadRpcProgramCatalog,
  type RpcProgramCatalog,
} from '../../catalog/rpc-programs.js';
import { EarshotError } from '../../errors.js';
import type { HostResult, OsHint, Service } from '../../model.js';
import { queryPortmapper } from '../rpc/portmapper.js';
import { PortDetector, type PortFinding, type RpcLookup } from './port-detector.js';
import { SERVICE_PROBES } from './probes/index.js';
import type { ServiceProbe } from './probes/types.js';

/** Limits and choices of a detection run. */
export interface ServiceDetectOptions {
  signal?: AbortSignal;
  /** 0..9 like nmap: below 2 only the probes for the port's number; from 5 also TLS on any port. Default 7. */
  intensity?: number;
  /** Budget for one port, all probes together (default 10 s). */
  portTimeoutMs?: number;
  /** Limit for one probe's connect and reply (default 2 s). */
  probeTimeoutMs?: number;
  /** How long to wait for a banner before sending anything (default 1 s). */
  bannerWaitMs?: number;
  /** Bytes read from one reply at most (default 16 KiB). */
  maxReplyBytes?: number;
  /** Ports probed at once (default 8). */
  concurrency?: number;
  /** Name for TLS SNI, when the target was given by name. */
  servername?: string;
  /** The probe set (default: every built-in probe). */
  probes?: readonly ServiceProbe[];
  /** RPC program names (default: /etc/rpc). */
  rpcCatalog?: RpcProgramCatalog;
}

/** What detection found on one host: a service per identified port and the OS names banners gave. */
export interface ServiceDetection {
  services: Map<number, Service>;
  osHints: OsHint[];
}

function toService(finding: PortFinding): Service {
  const { match, tls } = finding;
  const service: Service = { name: match.name, source: 'probed', confidence: match.confidence };
  if (match.product) service.product = match.product;
  if (match.version) service.version = match.version;
  if (match.extraInfo) service.extraInfo = match.extraInfo;
  if (tls) {
    service.tunnel = 'ssl';
    service.tls = tls;
  }
  return service;
}

function resolveOptions(options: ServiceDetectOptions) {
  const intensity = options.intensity ?? 7;
  if (!Number.isInteger(intensity) || intensity < 0 || intensity > 9) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid version intensity "${intensity}": give a whole number from 0 to 9.`,
    );
  }
  return {
    intensity,
    portTimeoutMs: options.portTimeoutMs ?? 10_000,
    probeTimeoutMs: options.probeTimeoutMs ?? 2_000,
    bannerWaitMs: options.bannerWaitMs ?? 1_000,
    maxReplyBytes: options.maxReplyBytes ?? 16_384,
    concurrency: Math.max(1, options.concurrency ?? 8),
    probes: options.probes ?? SERVICE_PROBES,
    signal: options.signal,
    servername: options.servername,
  };
}

function rpcLookupFor(address: string, options: ServiceDetectOptions, timeoutMs: number): RpcLookup {
  let pending: ReturnType<RpcLookup> | undefined;
  return () => {
    pending ??= (async () => {
      const rpcPrograms =
        options.rpcCatalog ?? (await loadRpcProgramCatalog().catch(() => createRpcProgramCatalog([])));
      // portmap v2's dump: the IPv4 mappings nmap's rpcinfo probe reads too. A portmapper that does
      // not answer leaves the port named "rpc", which is still true.
      return queryPortmapper({
        address,
        timeoutMs,
        signal: options.signal,
        rpcPrograms,
        versions: [2],
      }).catch(() => []);
    })();
    return pending;
  };
}

/** Names the service on each of `ports` of `target` (open TCP ports); unidentified ports are absent. */
export async function detectServices(
  target: { address: string; hostname?: string },
  ports: readonly number[],
  options: ServiceDetectOptions = {},
): Promise<ServiceDetection> {
  const resolved = resolveOptions({
    ...options,
    ...((options.servername ?? target.hostname) ? { servername: options.servername ?? target.hostname } : {}),
  });
  const services = new Map<number, Service>();
  const osHints: OsHint[] = [];
  const rpcLookup = rpcLookupFor(target.address, options, resolved.probeTimeoutMs);
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      const port = ports[next++]!;
      const finding = await new PortDetector(target.address, port, resolved, rpcLookup).detect();
      options.signal?.throwIfAborted();
      if (!finding) continue;
      services.set(port, toService(finding));
      for (const hint of finding.match.osHints ?? [])
        osHints.push({ hint, source: `${port}/tcp ${finding.match.name}` });
    }
  };
  options.signal?.throwIfAborted();
  await Promise.all(Array.from({ length: Math.min(resolved.concurrency, ports.length) }, worker));
  osHints.sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
  return { services, osHints };
}

/** Runs detection on a scanned host's open TCP ports and writes the results into it. */
export async function addServiceDetection(
  host: HostResult,
  options: ServiceDetectOptions = {},
): Promise<void> {
  const open = host.ports.filter((port) => port.protocol === 'tcp' && port.state === 'open');
  if (host.status !== 'up' || open.length === 0) return;
  const hostname = host.hostnames.find((name) => !/^[\d.:]+$/.test(name));
  const detection = await detectServices(
    { address: host.address, ...(hostname ? { hostname } : {}) },
    open.map((port) => port.port),
    options,
  );
  for (const port of open) {
    const service = detection.services.get(port.port);
    if (service)
      port.service = {
        ...service,
        ...(port.service?.description ? { description: port.service.description } : {}),
      };
  }
  if (detection.osHints.length > 0) host.osHints = detection.osHints;
}
