// The scan's worker threads: started early (prewarmScanThreads) or on demand, each loads the engine
// once and then runs one session per scan pass; a worker that ends a pass cleanly goes back to the
// idle pool for the next pass, and idle workers never keep the process alive.
import { Worker } from 'node:worker_threads';
import type { EngineHostResult } from '../engine/host-roster.js';
import type { EngineHost } from '../engine/host-state.js';
import type { TimingOptions } from '../engine/timing.js';

/** How a scan worker runs its share of a pass (the shared buffers are shared, not copied). */
export interface WorkerSession {
  timing: TimingOptions;
  /** Which engine probes: TCP connects or UDP datagrams. */
  protocol: 'tcp' | 'udp';
  maxActiveHosts: number;
  /** UDP: the ports the scan's own sockets hold, shared by every thread (createOwnPortMap). */
  ownPorts?: Uint8Array;
}

/** Messages from a scan worker to the main thread; outcomes are already in shared memory. */
export type WorkerMessage =
  | { type: 'ready' }
  /** `outcomes` comes along for a host this thread held alone (a shared host's are in shared memory). */
  | { type: 'host'; result: Omit<EngineHostResult, 'outcomes'>; outcomes: Uint8Array | null }
  | { type: 'progress'; count: number }
  | { type: 'done'; count: number }
  | { type: 'error'; code: string | null; message: string };

/** Messages from the main thread to a scan worker. */
export type WorkerControl =
  | { type: 'start'; session: WorkerSession }
  | { type: 'hosts'; hosts: EngineHost[] }
  | { type: 'end' }
  | { type: 'abort' };

// Under tsx (tests) this module is TypeScript; built, it is JavaScript: start the sibling in kind.
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './scan-worker.ts' : './scan-worker.js',
  import.meta.url,
);

/** A worker thread and what the pool knows of it. */
export interface PooledWorker {
  worker: Worker;
  /** The worker loaded its modules and waits for a session. */
  ready: boolean;
  failed: boolean;
  onReady: (() => void) | null;
  /** Settles once the worker is ready or has failed. */
  booted: Promise<void>;
}

const idleWorkers: PooledWorker[] = [];

// A worker's garbage is all short-lived (a connect request, a host's state): V8's default young
// generation (up to 32 MB of semi-spaces) only costs resident memory. 4 MB took a /16 scan's peak
// RSS from ~190 MB to ~160 MB with no measurable loss of speed (bench/scan-scale.ts).
const WORKER_YOUNG_GENERATION_MB = 4;

function startWorker(): PooledWorker {
  let booted!: () => void;
  const entry: PooledWorker = {
    worker: new Worker(workerUrl, {
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    }),
    ready: false,
    failed: false,
    onReady: null,
    booted: new Promise((resolve) => {
      booted = resolve;
    }),
  };
  // A worker that cannot start (EMFILE loading its modules) must not crash the scan: it is skipped.
  const failed = () => {
    entry.failed = true;
    booted();
  };
  entry.worker.on('error', failed);
  entry.worker.once('exit', failed);
  entry.worker.on('message', (message: WorkerMessage) => {
    if (message.type !== 'ready' || entry.ready) return;
    entry.ready = true;
    booted();
    entry.onReady?.();
  });
  return entry;
}

/**
 * Starts `count` scan threads now, so that they have booted (~40 ms each) by the time a big scan
 * begins; threads still idle never keep the process alive. Resolves once each has booted or failed
 * (nothing needs to wait for that; tests do, to be sure a pass has threads to share).
 */
export function prewarmScanThreads(count: number): Promise<void> {
  for (const entry of idleWorkers.splice(0)) if (!entry.failed) idleWorkers.push(entry);
  while (idleWorkers.length < count) {
    const entry = startWorker();
    idleWorkers.push(entry);
    // Booting holds the process for those ~40 ms; an idle thread after that does not.
    void entry.booted.then(() => {
      if (idleWorkers.includes(entry)) entry.worker.unref();
    });
  }
  return Promise.all(idleWorkers.map((entry) => entry.booted)).then(() => undefined);
}

/** A booted or booting worker for a pass: an idle one when there is, else a new one. */
export function takeWorker(): PooledWorker {
  let entry = idleWorkers.shift();
  while (entry?.failed) entry = idleWorkers.shift();
  entry ??= startWorker();
  entry.worker.ref();
  return entry;
}

/** Gives a worker back after a pass: idle for the next one when `reusable`, else stopped. */
export async function returnWorker(entry: PooledWorker, reusable: boolean): Promise<void> {
  entry.onReady = null;
  if (entry.failed || !reusable) {
    entry.failed = true;
    await entry.worker.terminate();
    return;
  }
  entry.worker.unref();
  idleWorkers.push(entry);
}
