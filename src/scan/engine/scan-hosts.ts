// scanHosts: the TCP connect scan of many hosts as one stream of HostResult. Targets are read in
// groups (bounded memory for a /16), each group is discovered, then its up hosts are port-scanned,
// on several threads when the group is big enough to pay for them.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { loadServiceCatalog, type ServiceCatalog } from '../../catalog/services.js';
import type { HostResult, Protocol } from '../../model.js';
import type { ScanTarget } from '../targets/targets.js';
import { ProbeTeam } from '../threads/probe-team.js';
import { prewarmScanThreads } from '../threads/worker-pool.js';
import { type DiscoveryResult, discoverHosts } from './discovery.js';
import { buildHostResult, type FinishedHost } from './host-result.js';
import { ResultQueue } from './queues.js';
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
  /** Threads; default: the available cores, at most 4, on scans of 8192 probes or more. */
  threads?: number;
  /**
   * Hosts discovered at a time (default: 4096, fewer when each has many ports). Not a CLI option:
   * tests make it small to cross many group boundaries cheaply.
   */
  groupSize?: number;
}

// Probes per scan worth a worker's ~30 ms start-up.
const PARALLEL_MIN_PROBES = 8192;
// Hosts discovered at a time (nmap's host group), and handed out before the reader takes them at
// most twice that (or twice the window, if more): port results kept per group stay under this many
// bytes, so a /16 with -p- (or a /8 with one port) stays in a few MB. 1024 rather than 4096 hosts
// took a /16 × 3 ports scan's peak RSS from ~160 MB to ~140 MB, at the same speed.
const MAX_GROUP_HOSTS = 1024;
const GROUP_PROBE_BUDGET = 1 << 20;
const HAND_OUT_SLICE = 256;
// Port indexes one thread keeps open questions about at most (a byte of outcome and one of tries
// each): enough hosts to fill any window, never a /8's worth.
const ACTIVE_PROBE_BUDGET = 1 << 18;
// Hosts with this many ports are probed by every thread at once, each claiming blocks of 256.
const SHARE_PORTS_FROM = 1024;

// Descriptors left for everything but probes: Node's own, worker start-up, the catalog files.
const FD_RESERVE = 48;

/**
 * Probes that fit under this process's open-files limit (getrlimit(2) as /proc/self/limits shows it)
 * with a reserve for files; EMFILE is still handled, this only keeps it from starving module loads.
 */
export function descriptorBudget(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
    return soft === undefined ? Number.POSITIVE_INFINITY : Math.max(8, Number(soft) - FD_RESERVE);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Hosts per group for `portCount` ports each: at most 4096, and at most ~1 Mi port results. */
export function groupSizeFor(portCount: number): number {
  return Math.max(1, Math.min(MAX_GROUP_HOSTS, Math.floor(GROUP_PROBE_BUDGET / Math.max(1, portCount))));
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

/** `items` in arrays of `size` (the last one shorter), read as they are needed. */
export function* groupsOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
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
  const portCount = Math.max(1, ports.length);
  const groupSize = Math.max(1, Math.floor(options.groupSize ?? groupSizeFor(portCount)));
  const total = (options.targetCount ?? 0) * ports.length;
  // By default threads pay for their start-up only on scans big enough (the target count is known
  // up front); a number asked for is used as given.
  const threads =
    options.threads !== undefined
      ? threadCount(options.threads)
      : (options.targetCount ?? groupSize) * ports.length >= PARALLEL_MIN_PROBES
        ? threadCount()
        : 1;
  let done = 0;
  const progress = (count: number) => {
    done += count;
    options.onProgress?.({ done, total });
  };
  const toResult = async (host: FinishedHost): Promise<HostResult> =>
    buildHostResult(host, ports, await getCatalog(), options.listAllPorts ?? false, protocol);

  const finished = new ResultQueue<FinishedHost>();
  const probing = new Map<number, Omit<FinishedHost, 'engine'>>();
  // Stops the team when the feed fails or the reader leaves early, not only on the caller's abort.
  const stopPass = new AbortController();
  const onAbort = () => stopPass.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const team = new ProbeTeam({
    threads,
    protocol,
    timing,
    maxActiveHosts: Math.max(1, Math.min(MAX_GROUP_HOSTS, Math.floor(ACTIVE_PROBE_BUDGET / portCount))),
    sharePortsFrom: SHARE_PORTS_FROM,
    signal: stopPass.signal,
    onHostDone(engine) {
      const host = probing.get(engine.index)!;
      probing.delete(engine.index);
      finished.push({ ...host, engine });
    },
    onProbesDone: progress,
  });
  // Hosts taken from the targets and not yet handed to the reader: at most about two groups, so a
  // /8 or a slow reader keeps memory flat; the next group is discovered while this one is probed.
  let unread = 0;
  const unreadLimit = Math.max(groupSize, 2 * timing.maxWindow);
  let roomFor: (() => void) | null = null;
  const room = () =>
    new Promise<void>((resolve) => {
      roomFor = resolve;
    });
  const feed = async () => {
    const groups = groupsOf(targets, groupSize);
    for (;;) {
      // Room first, then the next group: the targets are read no further ahead than that.
      while (unread >= unreadLimit && !stopPass.signal.aborted) await room();
      // Unroutable targets fail connect() at once, so a whole scan can run as one chain of promise
      // jobs: give the event loop a turn per group, or closed sockets are never freed (libuv frees
      // them in its close phase) and memory grows by megabytes a second.
      await setImmediatePromise();
      stopPass.signal.throwIfAborted();
      const next = groups.next();
      if (next.done) break;
      const group = next.value;
      unread += group.length;
      const startedAt = new Date().toISOString();
      const verdicts: DiscoveryResult[] = options.skipDiscovery
        ? group.map(() => ({ status: 'up', reason: 'user-set', srttMs: null }))
        : await discoverHosts(group, timing, { signal: stopPass.signal });
      for (const [at, target] of group.entries()) {
        // A group's hosts go to the threads in slices, a turn of the event loop apart: handing a
        // thousand at once made them all survive the same young-generation collections, and V8
        // grew the heap by ~10 MB for it (bench/scan-scale.ts).
        if (at > 0 && at % HAND_OUT_SLICE === 0) await setImmediatePromise();
        const verdict = verdicts[at]!;
        if (verdict.status !== 'up') {
          progress(ports.length);
          finished.push({ target, verdict, engine: null, startedAt });
          continue;
        }
        const id = team.add({ address: target.address, family: target.family, ports });
        probing.set(id, { target, verdict, startedAt });
      }
    }
    team.end();
  };
  const running = team.run();
  const feeding = feed();
  const stop = (error: unknown) => {
    finished.fail(signal.aborted && options.signal?.aborted ? options.signal.reason : error);
    stopPass.abort(error);
  };
  Promise.all([running, feeding]).then(() => finished.close(), stop);
  try {
    for (;;) {
      const host = await finished.next();
      if (host === undefined) break;
      yield await toResult(host);
      unread--;
      const wake = roomFor as (() => void) | null;
      roomFor = null;
      wake?.();
    }
  } finally {
    stopPass.abort(new Error('the scan pass ended'));
    (roomFor as (() => void) | null)?.();
    await Promise.allSettled([running, feeding]);
    signal.removeEventListener('abort', onAbort);
  }
}
