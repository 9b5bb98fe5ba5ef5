// scan as a library: nmap's targets and ports in, one HostResult per address out, streamed as hosts
// finish. TCP (connect or SYN), UDP, service detection and the OS guess, in the order nmap runs them.
import { loadServiceCatalog, type ServiceCatalog } from '../catalog/services.js';
import { EarshotError } from '../errors.js';
import type { HostResult, ScanReport } from '../model.js';
import { groupSizeFor, prepareScanThreads, scanHosts, scanUdpHosts } from './engine/scan-hosts.js';
import type { TimingOptions, TimingPreset } from './engine/timing.js';
import { addOsGuess, openRawSession } from './raw/raw-session.js';
import { type SynProbeResult, scanSynHosts } from './raw/syn-scan.js';
import { runScanPasses } from './scan-passes.js';
import { addServiceDetection, type ServiceDetectOptions } from './service/service-detect.js';
import { defaultPorts, formatPortSpec } from './targets/ports.js';
import {
  FINISHABLE_TARGET_COUNT,
  type PrepareTargetsOptions,
  prepareTargets,
  type ScanTarget,
  type TargetSpec,
} from './targets/targets.js';

/** What to scan and how; the defaults are nmap's (a connect scan of the default TCP ports). */
export interface ScanOptions extends TargetSpec {
  /** The TCP scan: `connect` (default unless `udp` alone is asked), `syn` (raw sockets), or none. */
  tcp?: 'connect' | 'syn' | false;
  /** Also scan UDP (-sU). */
  udp?: boolean;
  /** TCP ports (default: 1-1024 and every port the catalog names). */
  ports?: readonly number[];
  /** UDP ports (default: `ports` when given, else the default UDP set). */
  udpPorts?: readonly number[];
  /** -Pn: every target is up. */
  skipDiscovery?: boolean;
  timing?: Partial<TimingOptions> & { preset?: TimingPreset };
  /** List every port, none folded into `extraPorts`. */
  listAllPorts?: boolean;
  /** -sV: name the service behind each open port. */
  serviceDetection?: ServiceDetectOptions;
  /** -O: guess the operating system of each up host. */
  osGuess?: boolean;
  threads?: number;
  catalog?: ServiceCatalog;
  resolve?: PrepareTargetsOptions['resolve'];
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** A scan ready to run: what it covers (known before the first packet) and its hosts as they finish. */
export interface ScanRun {
  scanInfo: ScanReport['scanInfo'];
  /** Addresses to scan, after exclusion and de-duplication. */
  targetCount: bigint;
  /** Runs the scan; ends early (without throwing) when the signal aborts. */
  hosts(): AsyncIterable<HostResult>;
}

/** Checks the options, resolves the targets and opens raw sockets if asked; nothing is sent yet. */
export async function scan(options: ScanOptions): Promise<ScanRun> {
  if (options.targets.length === 0 && options.inputFile === undefined) {
    throw new EarshotError(
      'ERR_TARGET_SPEC',
      'No targets given: name hosts (earshot scan localhost) or a file (-iL hosts.txt).',
    );
  }
  const scanUdp = options.udp ?? false;
  const tcp = options.tcp ?? (scanUdp ? false : 'connect');
  const rawWanted = { syn: tcp === 'syn', osGuess: options.osGuess ?? false };
  // -sS without raw sockets is a usage error before anything else. The session itself is opened by
  // hosts() and closed when it ends: an open raw socket holds the event loop, so a failure between
  // here and the first host, or a run whose hosts are never read, must not leave one open.
  openRawSession(rawWanted)?.close();
  // The default port set needs the catalog now; otherwise the scan loads it when the first host is done.
  const catalog = options.catalog ?? (options.ports === undefined ? await loadServiceCatalog() : undefined);
  const ports = options.ports ?? defaultPorts(catalog!, 'tcp');
  const udpPorts = options.udpPorts ?? (options.ports === undefined ? defaultPorts(catalog!, 'udp') : ports);
  prepareScanThreads(Math.max(tcp ? ports.length : 0, scanUdp ? udpPorts.length : 0), options.threads);
  const targets = await prepareTargets(options, {
    ...(options.resolve ? { resolve: options.resolve } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    maxCount: FINISHABLE_TARGET_COUNT,
  });
  const scanInfo: ScanReport['scanInfo'] = [];
  if (tcp)
    scanInfo.push({ type: tcp, protocol: 'tcp', portCount: ports.length, portSpec: formatPortSpec(ports) });
  if (scanUdp) {
    scanInfo.push({
      type: 'udp',
      protocol: 'udp',
      portCount: udpPorts.length,
      portSpec: formatPortSpec(udpPorts),
    });
  }
  const common = {
    timing: options.timing ?? {},
    ...(catalog ? { catalog } : {}),
    listAllPorts: options.listAllPorts ?? false,
    targetCount: Number(targets.count),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
  };

  async function* hosts(): AsyncGenerator<HostResult> {
    // The caller's signal, or this generator ending early (a `break` in its for-await), stops the scan.
    const stop = new AbortController();
    const onAbort = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const { signal } = stop;
    const raw = openRawSession(rawWanted);
    const tcpOptions = { ...common, signal, ports, skipDiscovery: options.skipDiscovery ?? false };
    const scanTcpHosts = (list: Iterable<ScanTarget>) =>
      tcp === 'syn' && raw?.raw
        ? scanSynHosts(list, {
            ...tcpOptions,
            raw: raw.raw,
            // Kept only for the OS guess, and only until it is made: a /16 must not keep them all.
            ...(options.osGuess
              ? {
                  onProbeResult: (address: string, result: SynProbeResult) =>
                    raw.synResults.set(address, result),
                }
              : {}),
          })
        : scanHosts(list, tcpOptions);
    // The passes push finished hosts; this generator hands them out one at a time, so a slow reader
    // holds the scan back instead of a queue growing without bound.
    const finished: HostResult[] = [];
    let wake: (() => void) | null = null;
    let taken: (() => void) | null = null;
    let done = false;
    let failure: unknown = null;
    const deliver = async (host: HostResult) => {
      finished.push(host);
      wake?.();
      await new Promise<void>((resolve) => {
        taken = resolve;
      });
    };
    const complete = async (host: HostResult) => {
      // Banners first: the OS guess weighs the hints they leave.
      if (options.serviceDetection) await addServiceDetection(host, { ...options.serviceDetection, signal });
      if (raw && options.osGuess) {
        await addOsGuess(host, raw, tcp ? ports : [], signal);
        raw.synResults.delete(host.address);
      }
      await deliver(host);
    };
    const running = runScanPasses({
      targets,
      scanTcp: tcp !== false,
      scanUdp,
      chunkSize: groupSizeFor(Math.max(ports.length, udpPorts.length)),
      scanTcpHosts,
      scanUdpHosts: (list, skipDiscovery) =>
        scanUdpHosts(list, {
          ...common,
          signal,
          ports: udpPorts,
          skipDiscovery: skipDiscovery || (options.skipDiscovery ?? false),
        }),
      complete,
      record: deliver,
    })
      .catch((error: unknown) => {
        if (!signal.aborted) failure = error;
      })
      .finally(() => {
        done = true;
        wake?.();
      });
    try {
      for (;;) {
        const host = finished.shift();
        if (host) {
          const release = taken as (() => void) | null;
          taken = null;
          yield host;
          release?.();
          continue;
        }
        if (done) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
      await running;
      if (failure) throw failure;
    } finally {
      if (!done) {
        stop.abort(new EarshotError('ERR_INTERRUPTED', 'the scan was stopped by its reader'));
        (taken as (() => void) | null)?.();
        await running;
      }
      options.signal?.removeEventListener('abort', onAbort);
      raw?.close();
    }
  }
  return { scanInfo, targetCount: targets.count, hosts };
}
