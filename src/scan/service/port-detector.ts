// One port's detection: TLS first where expected, a banner wait, then the request probes in the
// port's order, inside the port's budget; a reply that shows TLS sends the probing into the tunnel.
import type { TLSSocket } from 'node:tls';
import type { RpcRegistration, TlsInfo } from '../../model.js';
import {
  type Connector,
  exchange,
  type ReadLimits,
  readReply,
  tcpConnector,
  tlsConnector,
} from './probe-io.js';
import { isPlainHttpToTlsPort } from './probes/http.js';
import { describeTls, looksLikeTlsRecord, TLS_PORTS } from './probes/tls.js';
import type { ProbeContext, ProbeMatch, ServiceProbe } from './probes/types.js';

/** Limits of one port's detection, all resolved. */
export interface PortDetectorLimits {
  intensity: number;
  portTimeoutMs: number;
  probeTimeoutMs: number;
  bannerWaitMs: number;
  maxReplyBytes: number;
  probes: readonly ServiceProbe[];
  signal?: AbortSignal | undefined;
  servername?: string | undefined;
}

/** The host's portmapper registrations, named, fetched once per host when an RPC port needs them. */
export type RpcLookup = () => Promise<RpcRegistration[]>;

/** What one port turned out to be, with the TLS handshake when it was inside TLS. */
export interface PortFinding {
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

/** Detection of one port; `detect()` once. */
export class PortDetector {
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
    private readonly options: PortDetectorLimits,
    private readonly rpcLookup: RpcLookup,
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
    const finding = await this.detectProtocol();
    return finding?.match.name === 'rpc' ? this.nameRpcProgram(finding) : finding;
  }

  /** An RPC server other than the portmapper: the portmapper says which program holds this port. */
  private async nameRpcProgram(finding: PortFinding): Promise<PortFinding> {
    const registrations = await this.rpcLookup();
    const here = registrations.filter((m) => m.protocol === 'tcp' && m.port === this.context.port);
    if (here.length === 0) return finding;
    const program = here[0]!.program;
    // A reduce, not Math.min(...versions): a peer decides how many mappings come back.
    const versions = here.filter((m) => m.program === program).map((m) => m.version);
    const low = versions.reduce((a, b) => Math.min(a, b));
    const high = versions.reduce((a, b) => Math.max(a, b));
    const match: ProbeMatch = {
      name: here[0]!.name ?? 'rpc',
      version: low === high ? `${low}` : `${low}-${high}`,
      extraInfo: `RPC #${program}`,
      confidence: 10,
    };
    return { ...finding, match };
  }

  private async detectProtocol(): Promise<PortFinding | null> {
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
