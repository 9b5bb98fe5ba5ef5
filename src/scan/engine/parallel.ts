// Spreads one group of hosts over threads. Every thread probes every host of the group, claiming
// blocks of port indexes from a shared cursor (Atomics.add) and writing outcomes into shared bytes,
// so a core that is busy elsewhere simply claims fewer blocks. A connect costs mostly kernel time:
// a second core nearly halves a full -p- scan.
import { Worker } from 'node:worker_threads';
import { EarshotError, type EarshotErrorCode } from '../../errors.js';
import { type EngineHost, runTcpProbes } from '../tcp/tcp-connect.js';
import { runUdpProbes } from '../udp/udp-engine.js';
import { createOwnPortMap } from '../udp/udp-handles.js';
import type { EngineHostResult } from './host-roster.js';
import type { TimingOptions } from './timing.js';

/** What a scan worker is given to run (the shared buffers are shared, not copied). */
export interface ParallelWorkerData {
  hosts: EngineHost[];
  timing: TimingOptions;
  /** Which engine probes: TCP connects (default) or UDP datagrams. */
  protocol?: 'tcp' | 'udp';
  /** UDP: the ports the scan's own sockets hold, shared by every thread (createOwnPortMap). */
  ownPorts?: Uint8Array;
}

/** Messages from a scan worker to the main thread; outcomes are already in shared memory. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'host'; result: Omit<EngineHostResult, 'outcomes'> }
  | { type: 'progress'; count: number }
  | { type: 'done'; count: number }
  | { type: 'error'; code: string | null; message: string };

/** Messages from the main thread to a scan worker. */
export type WorkerControl = { type: 'run'; data: ParallelWorkerData } | { type: 'abort' };

// Under tsx (tests) this module is TypeScript; built, it is JavaScript: start the sibling in kind.
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './scan-worker.ts' : './scan-worker.js',
  import.meta.url,
);

interface PooledWorker {
  worker: Worker;
  failed: boolean;
}

const warmWorkers: PooledWorker[] = [];

const startWorker = (): PooledWorker => {
  const entry = { worker: new Worker(workerUrl), failed: false };
  // A worker that cannot start (EMFILE loading its modules) must not crash the scan: it is skipped.
  entry.worker.on('error', () => {
    entry.failed = true;
  });
  entry.worker.once('exit', () => {
    entry.failed = true;
  });
  return entry;
};

/**
 * Starts `count` scan threads now, so that they have booted (~40 ms each) by the time a big scan
 * begins; threads still idle never keep the process alive.
 */
export function prewarmScanThreads(count: number): void {
  while (warmWorkers.length < count) {
    const entry = startWorker();
    entry.worker.unref();
    warmWorkers.push(entry);
  }
}

/** Engine options of one group run across threads. */
export interface ParallelRunOptions {
  threads: number;
  signal?: AbortSignal;
  onHostDone(result: EngineHostResult): void;
  onProbesDone?(count: number): void;
  /** Called once when the first worker is probing: a moment the main thread can spare for other work. */
  onWorkerProbing?(): void;
  /** Which engine probes: TCP connects (default) or UDP datagrams. */
  protocol?: 'tcp' | 'udp';
}

/** Splits the window and rate of `timing` among `parts` threads. */
function shareTiming(timing: Readonly<TimingOptions>, parts: number): TimingOptions {
  return {
    ...timing,
    maxWindow: Math.max(1, Math.ceil(timing.maxWindow / parts)),
    initialWindow: Math.max(1, Math.ceil(timing.initialWindow / parts)),
    maxRate: timing.maxRate / parts,
  };
}

/** Runs the engine over `hosts` on `threads` threads and reports each host once every thread is done with it. */
export async function runTcpProbesParallel(
  hosts: readonly EngineHost[],
  timing: Readonly<TimingOptions>,
  options: ParallelRunOptions,
): Promise<void> {
  const threads = Math.max(1, Math.floor(options.threads));
  const timingShare = shareTiming(timing, threads);
  const sharedHosts: EngineHost[] = hosts.map((host) => ({
    address: host.address,
    family: host.family,
    ports: host.ports,
    shared: {
      cursor: new Int32Array(new SharedArrayBuffer(4)),
      outcomes: new Uint8Array(new SharedArrayBuffer(host.ports.length)),
    },
  }));
  const reports = hosts.map(() => [] as Omit<EngineHostResult, 'outcomes'>[]);
  const emitted = hosts.map(() => false);
  // Threads that take part; a worker that fails before its first message leaves its share to the
  // others (they claim from the same cursors), e.g. when EMFILE stops it loading its modules.
  let participants = threads;
  const emitIfComplete = (index: number) => {
    const parts = reports[index]!;
    if (emitted[index] || parts.length < participants) return;
    emitted[index] = true;
    const srtts = parts.map((p) => p.srttMs).filter((v): v is number => v !== null);
    options.onHostDone({
      index,
      outcomes: sharedHosts[index]!.shared!.outcomes,
      timedOut: parts.some((p) => p.timedOut),
      srttMs: srtts.length > 0 ? Math.min(...srtts) : null,
      startedAtMs: Math.min(...parts.map((p) => p.startedAtMs)),
      endedAtMs: Math.max(...parts.map((p) => p.endedAtMs)),
    });
  };
  const onThreadHostDone = (result: Omit<EngineHostResult, 'outcomes'>) => {
    reports[result.index]!.push(result);
    emitIfComplete(result.index);
  };
  const ownPorts = options.protocol === 'udp' ? createOwnPortMap() : undefined;
  const workers: Worker[] = [];
  let workerProbing = false;
  const onAbort = () => {
    for (const worker of workers) worker.postMessage({ type: 'abort' });
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const runs: Promise<void>[] = [];
    for (let part = 1; part < threads; part++) {
      const entry = warmWorkers.shift() ?? startWorker();
      const worker = entry.worker;
      worker.ref();
      workers.push(worker);
      runs.push(
        new Promise<void>((resolve, reject) => {
          let heard = false;
          const failed = (error: unknown) => {
            if (heard) return reject(error);
            // It failed before starting (it claimed nothing): carry on without it.
            participants--;
            for (let index = 0; index < hosts.length; index++) emitIfComplete(index);
            resolve();
          };
          if (entry.failed)
            return failed(
              new EarshotError(
                'ERR_RESOURCE',
                `Scan worker thread ${part} failed to start: the system may be short of memory or threads; rerun with fewer --threads.`,
              ),
            );
          worker.on('message', (message: WorkerMessage) => {
            heard = true;
            if (message.type === 'ready') {
              if (!workerProbing) options.onWorkerProbing?.();
              workerProbing = true;
              return;
            }
            if (message.type === 'host') onThreadHostDone(message.result);
            else if (message.type === 'progress') options.onProbesDone?.(message.count);
            else if (message.type === 'done') {
              options.onProbesDone?.(message.count);
              resolve();
            } else {
              const code = message.code?.startsWith('ERR_')
                ? (message.code as EarshotErrorCode)
                : 'ERR_RESOURCE';
              reject(new EarshotError(code, message.message));
            }
          });
          worker.once('error', failed);
          worker.once('exit', (exitCode) =>
            failed(
              options.signal?.reason ??
                new EarshotError(
                  'ERR_RESOURCE',
                  `Scan worker thread ${part} exited (code ${exitCode}) before it finished its share of the probes: rerun with fewer --threads, or --threads 1.`,
                ),
            ),
          );
          const run: WorkerControl = {
            type: 'run',
            data: {
              hosts: sharedHosts,
              timing: timingShare,
              protocol: options.protocol ?? 'tcp',
              ...(ownPorts ? { ownPorts } : {}),
            },
          };
          worker.postMessage(run);
        }),
      );
    }
    const runProbes = options.protocol === 'udp' ? runUdpProbes : runTcpProbes;
    runs.push(
      runProbes(sharedHosts[Symbol.iterator](), timingShare, {
        maxActiveHosts: hosts.length,
        ...(ownPorts ? { ownPorts } : {}),
        onHostDone: ({ outcomes: _shared, ...result }) => onThreadHostDone(result),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProbesDone ? { onProbesDone: options.onProbesDone } : {}),
      }),
    );
    await Promise.all(runs);
    options.signal?.throwIfAborted();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
