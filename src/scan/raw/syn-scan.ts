// The SYN scan (-sS) over a raw IPv4 socket: a SYN per port, SYN-ACK means open, RST closed,
// silence after retries filtered. The kernel answers the SYN-ACKs with RSTs itself (no socket of
// ours holds them), so no connection is ever completed. It also keeps the first SYN-ACK and RST
// seen, the OS guess's evidence.
import { loadServiceCatalog, type ServiceCatalog } from '../../catalog/services.js';
import { EarshotError } from '../../errors.js';
import type { HostResult } from '../../model.js';
import { discoverHosts } from '../engine/discovery.js';
import { Outcome } from '../engine/outcome.js';
import { buildPortResults } from '../engine/port-results.js';
import type { TcpScanOptions } from '../engine/scan-hosts.js';
import { RttEstimator, resolveTiming, type TimingOptions } from '../engine/timing.js';
import type { ScanTarget } from '../targets/targets.js';
import { outcomeOfError } from '../tcp/tcp-handles.js';
import type { RawTcp, TcpReply } from './raw-tcp.js';

/** What raw SYNs learned about one host: outcomes by port index and the first answers of each kind. */
export interface SynProbeResult {
  outcomes: Uint8Array;
  synAck: TcpReply | null;
  rst: TcpReply | null;
  srttMs: number | null;
}

// Raw sends go one per writable event: more in flight only fills the receive queue with answers.
const SYN_WINDOW = 256;
const SWEEP_MS = 10;

/** Sends a SYN to each of `ports` on `address` (IPv4) and sorts the answers; retries silent ports. */
export async function runSynProbes(
  raw: RawTcp,
  address: string,
  ports: readonly number[],
  timing: Readonly<TimingOptions>,
  options: { signal?: AbortSignal } = {},
): Promise<SynProbeResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  if (address.includes(':')) {
    throw new EarshotError('ERR_OPTION', `-sS and -O probe IPv4 only; scan ${address} with -sT instead.`);
  }
  const sourcePort = 40000 + Math.floor(Math.random() * 20000);
  const sequence = Math.floor(Math.random() * 0xffffffff);
  const outcomes = new Uint8Array(ports.length);
  const tries = new Uint8Array(ports.length);
  const sentAt = new Float64Array(ports.length);
  const indexOf = new Map<number, number>();
  ports.forEach((port, index) => {
    indexOf.set(port, index);
  });
  const rtt = new RttEstimator(timing);
  const result: SynProbeResult = { outcomes, synAck: null, rst: null, srttMs: null };
  const inFlight = new Set<number>();
  const queue: number[] = ports.map((_, index) => ports.length - 1 - index);
  const stopListening = raw.onReply((reply) => {
    if (reply.source !== address || reply.destinationPort !== sourcePort) return;
    const isSynAck = reply.flags.syn && reply.flags.ack;
    if (!isSynAck && !reply.flags.rst) return;
    const index = indexOf.get(reply.sourcePort);
    if (index === undefined || outcomes[index] !== Outcome.pending) return;
    outcomes[index] = isSynAck ? Outcome.open : Outcome.closed;
    if (isSynAck) result.synAck ??= reply;
    else result.rst ??= reply;
    if (tries[index] === 1) rtt.sample(performance.now() - sentAt[index]!);
    inFlight.delete(index);
  });
  try {
    while (queue.length > 0 || inFlight.size > 0) {
      signal?.throwIfAborted();
      const now = performance.now();
      for (const index of inFlight) {
        if (outcomes[index] !== Outcome.pending) inFlight.delete(index);
        else if (now - sentAt[index]! > rtt.timeoutMs()) {
          inFlight.delete(index);
          if (tries[index]! <= timing.maxRetries) queue.push(index);
          else outcomes[index] = Outcome.noResponse;
        }
      }
      while (queue.length > 0 && inFlight.size < SYN_WINDOW) {
        const index = queue.pop()!;
        if (outcomes[index] !== Outcome.pending) continue;
        tries[index] = tries[index]! + 1;
        sentAt[index] = performance.now();
        inFlight.add(index);
        const refused = await raw.sendSyn(address, sourcePort, ports[index]!, sequence);
        if (refused !== 0) {
          // No route, or a local firewall: the answer a connect would get, at once.
          outcomes[index] = outcomeOfError(-refused) ?? Outcome.noResponse;
          inFlight.delete(index);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, SWEEP_MS));
    }
  } finally {
    stopListening();
  }
  result.srttMs = rtt.srttMs;
  return result;
}

/** Options of a SYN scan: a TCP scan's, and the raw socket to send through. */
export interface SynScanOptions extends TcpScanOptions {
  raw: RawTcp;
  /** Called with each up host's SYN answers (the OS guess uses them). */
  onProbeResult?(address: string, result: SynProbeResult): void;
}

/** Scans `ports` of every target with raw SYNs, one host at a time, and yields each host's result. */
export async function* scanSynHosts(
  targets: Iterable<ScanTarget>,
  options: SynScanOptions,
): AsyncIterable<HostResult> {
  const { preset, ...overrides } = options.timing ?? {};
  const timing = resolveTiming(preset ?? 3, overrides);
  let catalog: ServiceCatalog | undefined = options.catalog;
  const signalOption = options.signal ? { signal: options.signal } : {};
  const total = (options.targetCount ?? 0) * options.ports.length;
  let done = 0;
  for (const target of targets) {
    const startedAt = new Date().toISOString();
    const [verdict] = options.skipDiscovery
      ? [{ status: 'up' as const, reason: 'user-set' as const, srttMs: null }]
      : await discoverHosts([target], timing, signalOption);
    const host: HostResult = {
      address: target.address,
      family: target.family,
      hostnames: target.hostnames,
      status: verdict!.status,
      statusReason: verdict!.reason,
      ports: [],
      extraPorts: [],
      startedAt,
      endedAt: startedAt,
    };
    if (verdict!.status === 'up') {
      const probe = await runSynProbes(options.raw, target.address, options.ports, timing, signalOption);
      options.onProbeResult?.(target.address, probe);
      catalog ??= await loadServiceCatalog();
      Object.assign(
        host,
        buildPortResults(options.ports, probe.outcomes, catalog, options.listAllPorts ?? false, 'tcp'),
      );
      if (probe.srttMs !== null) host.latencyMs = Math.round(probe.srttMs * 1000) / 1000;
    }
    host.endedAt = new Date().toISOString();
    done += options.ports.length;
    options.onProgress?.({ done, total });
    yield host;
  }
}
