// scanHosts: the TCP connect scan of many hosts as one stream of HostResult. Targets are read in
// groups (bounded memory for a /16), each group is discovered, then its up hosts are port-scanned,
// on several threads when the group is big enough to pay for them.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadServiceCatalog, type ServiceCatalog } from '../../catalog/services.js';
import type { HostResult, Protocol } from '../../model.js';
import type { ScanTarget } from '../targets/targets.js';
import { type EngineHost, runTcpProbes } from '../tcp/tcp-connect.js';
import { runUdpProbes } from '../udp/udp-engine.js';
import { type DiscoveryResult, discoverHosts } from './discovery.js';
import type { EngineHostResult } from './host-roster.js';
import { prewarmScanThreads, runTcpProbesParallel } from './parallel.js';
import { buildPortResults } from './port-results.js';
import { resolveTiming, type TimingOptions, type TimingPreset } from './timing.js';

/** Options of a TCP connect scan. */
export interface TcpScanOptions {
  ports: readonly number[];
  /** A -T preset (default 3) and/or individual overrides. */
  timing?: Partial<TimingOptions> & { preset?: TimingPreset };
  /** -Pn: treat every host as up. */
  skipDiscovery?: boolean;
  /** List every port in `ports[]`, none folded into `extraPorts`. */
  listAllPorts?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
  /** How many targets there are, for `total` in progress (0 or absent: unknown, total counts ports only). */
  targetCount?: number;
  /** Service names; default: /etc/services with the IANA fallback. */
  catalog?: ServiceCatalog;
  /** Threads for big groups; default: the available cores, at most 4. */
  threads?: number;
}

// Probes per group worth a worker's ~30 ms start-up.
const PARALLEL_MIN_PROBES = 8192;
// Port results kept in memory at most per group (bytes): a /16 with -p- stays in a few MB.
const GROUP_PROBE_BUDGET = 1 << 20;

// Descriptors left for everything but probes: Node's own, worker start-up, the catalog files.
const FD_RESERVE = 48;

/**
 * Probes that fit under this process's open-files limit (getrlimit(2) as /proc/self/limits shows it)
 * with a reserve for files; EMFILE is still handled, this only keeps it from starving module loads.
 */
function descriptorBudget(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return soft === undefined ? Number.POSITIVE_INFINITY : Math.max(8, Number(soft) - FD_RESERVE);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

const threadCount = (threads?: number) =>
  Math.max(1, Math.floor(threads ?? Math.min(4, availableParallelism())));

/**
 * Starts the worker threads a scan of `portCount` ports per host will use, before slow set-up
 * (target resolution, discovery), so they are ready when probing begins. Optional.
 */
export function prepareScanThreads(portCount: number, threads?: number): void {
  const count = threadCount(threads);
  if (count > 1 && portCount >= PARALLEL_MIN_PROBES) prewarmScanThreads(count - 1);
}

function* groupsOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let group: T[] = [];
  for (const item of items) {
    group.push(item);
    if (group.length >= size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}

/** A minimal async queue: producers push, the generator pulls, in arrival order. */
class ResultQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | null = null;
  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }
  shift(): T | undefined {
    return this.#items.shift();
  }
  get size(): number {
    return this.#items.length;
  }
  wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = null;
        resolve();
      };
    });
  }
}

/**
 * Scans `ports` on every target with TCP connects and yields each host's result as it completes.
 * Down hosts are yielded with no ports. Aborting rejects with `signal.reason` after closing sockets.
 */
export async function* scanHosts(
  targets: Iterable<ScanTarget>,
  options: TcpScanOptions,
): AsyncIterable<HostResult> {
  yield* scanProtocol(targets, options, 'tcp');
}

/**
 * Scans `ports` on every target over UDP (payloads for known services, empty datagrams elsewhere)
 * and yields each host's result as it completes; the TCP scan's options, discovery and streaming.
 */
export async function* scanUdpHosts(
  targets: Iterable<ScanTarget>,
  options: UdpScanOptions,
): AsyncIterable<HostResult> {
  yield* scanProtocol(targets, options, 'udp');
}

async function* scanProtocol(
  targets: Iterable<ScanTarget>,
  options: TcpScanOptions,
  protocol: Protocol,
): AsyncIterable<HostResult> {
  options.signal?.throwIfAborted();
  // Our own controller, so that a consumer leaving the loop early also stops the probes.
  const controller = new AbortController();
  const signal = controller.signal;
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    yield* scanGroups(targets, options, signal, protocol);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort(new Error('scan finished'));
  }
}

/** Options of a UDP scan: those of a TCP scan. */
export type UdpScanOptions = TcpScanOptions;

async function* scanGroups(
  targets: Iterable<ScanTarget>,
  options: TcpScanOptions,
  signal: AbortSignal,
  protocol: Protocol,
): AsyncIterable<HostResult> {
  const { ports } = options;
  const { preset, ...overrides } = options.timing ?? {};
  const requested = resolveTiming(preset ?? 3, overrides);
  const timing = resolveTiming(preset ?? 3, {
    ...requested,
    maxWindow: Math.min(requested.maxWindow, descriptorBudget()),
  });
  // Loaded only when the first host is reported, so it does not delay the first probes.
  let catalog = options.catalog;
  const getCatalog = async () => {
    catalog ??= await loadServiceCatalog();
    return catalog;
  };
  const threads = threadCount(options.threads);
  const groupSize = Math.max(1, Math.min(4096, Math.floor(GROUP_PROBE_BUDGET / Math.max(1, ports.length))));
  const total = (options.targetCount ?? 0) * ports.length;
  let done = 0;
  const progress = (count: number) => {
    done += count;
    options.onProgress?.({ done, total });
  };
  const toResult = async (
    target: ScanTarget,
    discovery: DiscoveryResult,
    engine: EngineHostResult | null,
    startedAt: string,
  ): Promise<HostResult> => {
    const built = engine
      ? buildPortResults(ports, engine.outcomes, await getCatalog(), options.listAllPorts ?? false, protocol)
      : { ports: [], extraPorts: [] };
    const result: HostResult = {
      address: target.address,
      family: target.family,
      hostnames: target.hostnames,
      status: discovery.status,
      statusReason: discovery.reason,
      ports: built.ports,
      extraPorts: built.extraPorts,
      startedAt: engine ? new Date(engine.startedAtMs).toISOString() : startedAt,
      endedAt: engine ? new Date(engine.endedAtMs).toISOString() : new Date().toISOString(),
    };
    const latency = engine?.srttMs ?? discovery.srttMs;
    if (latency !== null) result.latencyMs = Math.round(latency * 1000) / 1000;
    if (engine?.timedOut) result.timedOut = true;
    return result;
  };

  for (const group of groupsOf(targets, groupSize)) {
    const startedAt = new Date().toISOString();
    const verdicts: DiscoveryResult[] = options.skipDiscovery
      ? group.map(() => ({ status: 'up', reason: 'user-set', srttMs: null }))
      : await discoverHosts(group, timing, { signal });
    const up: { target: ScanTarget; verdict: DiscoveryResult }[] = [];
    for (const [at, target] of group.entries()) {
      const verdict = verdicts[at]!;
      if (verdict.status === 'up') up.push({ target, verdict });
      else {
        progress(ports.length);
        yield await toResult(target, verdict, null, startedAt);
      }
    }
    if (up.length === 0) continue;
    const hosts: EngineHost[] = up.map(({ target }) => ({
      address: target.address,
      family: target.family,
      ports,
    }));
    const queue = new ResultQueue<EngineHostResult | null>();
    const onHostDone = (result: EngineHostResult) => queue.push(result);
    const useThreads = threads > 1 && hosts.length * ports.length >= PARALLEL_MIN_PROBES;
    let failure: unknown;
    let finished = false;
    const run: Promise<void> = (
      useThreads
        ? runTcpProbesParallel(hosts, timing, {
            threads,
            onHostDone,
            // Load the catalog while a worker probes, not after the scan.
            onWorkerProbing: () => {
              getCatalog().catch(() => undefined);
            },
            onProbesDone: progress,
            signal,
            protocol,
          })
        : (protocol === 'udp' ? runUdpProbes : runTcpProbes)(hosts[Symbol.iterator](), timing, {
            maxActiveHosts: hosts.length,
            onHostDone,
            onProbesDone: progress,
            signal,
          })
    ).then(
      () => {
        finished = true;
        queue.push(null);
      },
      (error: unknown) => {
        failure = error;
        finished = true;
        queue.push(null);
      },
    );
    while (true) {
      if (queue.size === 0) await queue.wait();
      const item = queue.shift();
      if (item === null || item === undefined) {
        if (finished) break;
        continue;
      }
      const { target, verdict } = up[item.index]!;
      yield await toResult(target, verdict, item, startedAt);
    }
    await run;
    if (failure !== undefined)
      throw signal.aborted && options.signal?.aborted ? options.signal.reason : failure;
  }
}
