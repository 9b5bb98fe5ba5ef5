// Spreads one group of hosts over threads: every thread probes every host of the group on an
// interleaved stripe of its ports (thread k gets ports k, k+T, ...), the main thread included. A
// connect costs mostly kernel time, so a second core nearly halves a full -p- scan.
import { Worker } from 'node:worker_threads';
import { EarshotError, type EarshotErrorCode } from '../errors.js';
import { type EngineHost, type EngineHostResult, runTcpProbes } from './tcp-connect.js';
import type { TimingOptions } from './timing.js';

/** What a scan worker is started with. */
export interface ParallelWorkerData {
  hosts: EngineHost[];
  timing: TimingOptions;
}

/** Messages from a scan worker to the main thread. */
export type WorkerMessage =
  | { type: 'host'; result: EngineHostResult }
  | { type: 'progress'; count: number }
  | { type: 'done'; count: number }
  | { type: 'error'; code: string | null; message: string };

// Under tsx (tests) this module is TypeScript; built, it is JavaScript: start the sibling in kind.
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './scan-worker.ts' : './scan-worker.js',
  import.meta.url,
);

/** Engine options of one group run across threads. */
export interface ParallelRunOptions {
  threads: number;
  signal?: AbortSignal;
  onHostDone(result: EngineHostResult): void;
  onProbesDone?(count: number): void;
}

const stripe = <T>(items: readonly T[], part: number, parts: number): T[] => {
  const out: T[] = [];
  for (let i = part; i < items.length; i += parts) out.push(items[i]!);
  return out;
};

/** Splits the window and rate of `timing` among `parts` threads. */
function shareTiming(timing: Readonly<TimingOptions>, parts: number): TimingOptions {
  return {
    ...timing,
    maxWindow: Math.max(1, Math.ceil(timing.maxWindow / parts)),
    initialWindow: Math.max(1, Math.ceil(timing.initialWindow / parts)),
    maxRate: timing.maxRate / parts,
  };
}

/** Merges per-stripe results of one host back into port order. */
function mergeStripes(parts: EngineHostResult[], portCount: number): EngineHostResult {
  const outcomes = new Uint8Array(portCount);
  const threads = parts.length;
  for (let part = 0; part < threads; part++) {
    const source = parts[part]!.outcomes;
    for (let j = 0; j < source.length; j++) outcomes[part + j * threads] = source[j]!;
  }
  const srtts = parts.map((p) => p.srttMs).filter((v): v is number => v !== null);
  return {
    index: parts[0]!.index,
    outcomes,
    timedOut: parts.some((p) => p.timedOut),
    srttMs: srtts.length > 0 ? Math.min(...srtts) : null,
    startedAtMs: Math.min(...parts.map((p) => p.startedAtMs)),
    endedAtMs: Math.max(...parts.map((p) => p.endedAtMs)),
  };
}

/** Runs the engine over `hosts` on `threads` threads and reports each host once every stripe is done. */
export async function runTcpProbesParallel(
  hosts: readonly EngineHost[],
  timing: Readonly<TimingOptions>,
  options: ParallelRunOptions,
): Promise<void> {
  const threads = Math.max(1, Math.floor(options.threads));
  const shared = shareTiming(timing, threads);
  const partial = hosts.map(() => [] as EngineHostResult[]);
  const onStripeDone = (part: number, result: EngineHostResult) => {
    const slot = partial[result.index]!;
    slot[part] = result;
    if (slot.filter(Boolean).length === threads) {
      options.onHostDone(mergeStripes(slot, hosts[result.index]!.ports.length));
    }
  };
  const stripedHosts = (part: number) =>
    hosts.map((host) => ({ ...host, ports: stripe(host.ports, part, threads) }));
  const workers: Worker[] = [];
  const onAbort = () => {
    for (const worker of workers) worker.postMessage({ type: 'abort' });
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const runs: Promise<void>[] = [];
    for (let part = 1; part < threads; part++) {
      const data: ParallelWorkerData = { hosts: stripedHosts(part), timing: shared };
      const worker = new Worker(workerUrl, { workerData: data });
      workers.push(worker);
      runs.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (message: WorkerMessage) => {
            if (message.type === 'host') onStripeDone(part, message.result);
            else if (message.type === 'progress') options.onProbesDone?.(message.count);
            else if (message.type === 'done') {
              options.onProbesDone?.(message.count);
              resolve();
            } else {
              const code = (message.code ?? 'ERR_RESOURCE') as EarshotErrorCode;
              reject(new EarshotError(code.startsWith('ERR_') ? code : 'ERR_RESOURCE', message.message));
            }
          });
          worker.once('error', reject);
          worker.once('exit', () => reject(options.signal?.reason ?? new Error('scan worker exited early')));
        }),
      );
    }
    runs.push(
      runTcpProbes(stripedHosts(0)[Symbol.iterator](), shared, {
        maxActiveHosts: hosts.length,
        onHostDone: (result) => onStripeDone(0, result),
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
