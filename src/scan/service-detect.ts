// Service and version detection (-sV): for each open TCP port, listen for a banner, then send the
// probes most likely for that port first and the rest after, each bounded in time and bytes, inside
// a per-port budget; TLS ports are opened with a handshake and probed again inside the tunnel.
import type { TLSSocket } from 'node:tls';
import { EarshotError } from '../errors.js';
import type { HostResult, OsHint, Service, TlsInfo } from '../model.js';
import {
  type Connector,
  exchange,
  type ReadLimits,
  readReply,
  tcpConnector,
  tlsConnector,
} from './probe-io.js';
import { isPlainHttpToTlsPort } from './probes/http.js';
import { SERVICE_PROBES } from './probes/index.js';
import { describeTls, looksLikeTlsRecord, TLS_PORTS } from './probes/tls.js';
import type { ProbeContext, ProbeMatch, ServiceProbe } from './probes/types.js';

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
}

/** What detection found on one host: a service per identified port and the OS names banners gave. */
export interface ServiceDetection {
  services: Map<number, Service>;
  osHints: OsHint[];
}

interface PortFinding {
  match: ProbeMatch;
  tls?: TlsInfo;
}

const QUIET_MS = 250;

/** Probes in the order to try on `port`: those naming the port first, then the rest by intensity. */
export function orderProbes(
  probes: readonly ServiceProbe[],
  port: number,
  intensity: number,
): ServiceProbe[] {
  const likely = probes.filter((probe) => probe.ports.includes(port));
  if (intensity < 2) return likely;
  return [...likely, ...probes.filter((probe) => !probe.ports.includes(port))];
}

// A match rule that throws on odd bytes is a bug in that rule, not a reason to stop the scan.
function safeMatch(probe: ServiceProbe, reply: Buffer, context: ProbeContext): ProbeMatch | null {
  try {
    return reply.length > 0 ? probe.match(reply, context) : null;
  } catch {
    return null;
  }
}

function matchAny(probes: readonly ServiceProbe[], reply: Buffer, context: ProbeContext): ProbeMatch | null {
  for (const probe of probes) {
    const match = safeMatch(probe, reply, context);
    if (match) return match;
  }
  return null;
}

class PortDetector {
  private readonly deadline: number;
  private readonly context: ProbeContext;
  private readonly ordered: ServiceProbe[];
  private readonly bannerProbes: ServiceProbe[];
  private readonly plain: Connector;
  private tlsTried = false;
  // A cleartext probe that found TLS leaves what it found inside the tunnel here.
  private tlsFinding: PortFinding | null = null;

  constructor(
    private readonly address: string,
    port: number,
    private readonly options: Required<Omit<ServiceDetectOptions, 'signal' | 'servername'>> &
      Pick<ServiceDetectOptions, 'signal' | 'servername'>,
  ) {
    this.deadline = Date.now() + options.portTimeoutMs;
    this.context = { address, port };
    this.plain = tcpConnector(address, port);
    this.ordered = orderProbes(options.probes, port, options.intensity);
    this.bannerProbes = options.probes.filter((probe) => !probe.request);
  }

  private limits(complete?: (reply: Buffer) => boolean, waitMs?: number): ReadLimits | null {
    const left = this.deadline - Date.now();
    if (left <= 0 || this.options.signal?.aborted) return null;
    return {
      timeoutMs: Math.min(waitMs ?? this.options.probeTimeoutMs, left),
      quietMs: QUIET_MS,
      maxBytes: this.options.maxReplyBytes,
      complete,
      signal: this.options.signal,
    };
  }

  /** Runs banner then request probes over `connector`; `skipBanner` when a request will show it anyway. */
  private async probeOver(connector: Connector, skipBanner: boolean): Promise<ProbeMatch | null> {
    if (!skipBanner) {
      const limits = this.limits(
        (reply) => this.bannerProbes.some((probe) => probe.complete?.(reply)),
        this.options.bannerWaitMs,
      );
      if (!limits) return null;
      const banner = await exchange(connector, undefined, limits);
      if (banner === null) return null;
      const match = matchAny(this.bannerProbes, banner, this.context);
      if (match) return match;
    }
    for (const probe of this.ordered) {
      if (!probe.request) continue;
      const limits = this.limits(probe.complete);
      if (!limits) return null;
      const reply = await exchange(connector, probe.request(this.context), limits);
      if (reply === null) return null;
      const match = safeMatch(probe, reply, this.context) ?? matchAny(this.bannerProbes, reply, this.context);
      if (match) return match;
      if (
        connector === this.plain &&
        !this.tlsTried &&
        (looksLikeTlsRecord(reply) || isPlainHttpToTlsPort(reply))
      )
        return this.switchToTls();
    }
    return null;
  }

  private async switchToTls(): Promise<ProbeMatch | null> {
    this.tlsFinding = await this.probeTls();
    return this.tlsFinding?.match ?? null;
  }

  /** Handshake, then banner and request probes inside the tunnel. */
  private async probeTls(): Promise<PortFinding | null> {
    this.tlsTried = true;
    const connector = tlsConnector(this.address, this.context.port, { servername: this.options.servername });
    const limits = this.limits(
      (reply) => this.bannerProbes.some((probe) => probe.complete?.(reply)),
      this.options.bannerWaitMs,
    );
    if (!limits) return null;
    const first = await connector(this.options.probeTimeoutMs, this.options.signal);
    if (!first) return null;
    let tls: TlsInfo;
    let banner: Buffer;
    try {
      tls = describeTls(first.socket as TLSSocket);
      banner = await readReply(first.socket, limits);
    } finally {
      first.close();
    }
    const inner =
      matchAny(this.bannerProbes, banner, this.context) ??
      (tls.alpn === 'h2'
        ? { name: 'http', extraInfo: 'HTTP/2', confidence: 9 }
        : await this.probeOver(connector, true));
    const match = inner ?? { name: 'ssl', confidence: 8 };
    return { match, tls };
  }

  async detect(): Promise<PortFinding | null> {
    const port = this.context.port;
    if (TLS_PORTS.has(port)) {
      const finding = await this.probeTls();
      if (finding) return finding;
    }
    const likelyRequest = this.ordered.some((probe) => probe.request && probe.ports.includes(port));
    const match = await this.probeOver(this.plain, likelyRequest);
    if (this.tlsFinding) return this.tlsFinding;
    if (match) return { match };
    if (!this.tlsTried && this.options.intensity >= 5) return this.probeTls();
    return null;
  }
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
  let next = 0;
  const worker = async () => {
    while (next < ports.length) {
      const port = ports[next++]!;
      const finding = await new PortDetector(target.address, port, resolved).detect();
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
