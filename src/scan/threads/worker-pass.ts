// One worker thread's part in a pass, from the main thread's side (scan-worker.ts is the other
// side): the session it starts with, its messages turned into calls, a thread that fails or exits
// turned into an EarshotError, and the listeners taken off when the pass ends, so that the worker
// goes back to the idle pool carrying none of them.
import { EarshotError, type EarshotErrorCode } from '../../errors.js';
import type { EngineHostResult } from '../engine/host-roster.js';
import type { PooledWorker, WorkerControl, WorkerMessage, WorkerSession } from './worker-pool.js';

/** What the main thread hears from a worker during a pass. */
export interface WorkerPassEvents {
  /** A host the worker finished; `outcomes` come along for a host it held alone. */
  host(result: Omit<EngineHostResult, 'outcomes'>, outcomes: Uint8Array | null): void;
  /** Probes concluded since the worker's last count. */
  progress(count: number): void;
  /** The worker's engine run ended, with the probes concluded since its last count. */
  done(count: number): void;
  /** The worker's engine failed: the pass cannot finish. */
  failed(error: EarshotError): void;
  /** The thread itself failed or exited: harmless once it said `done`, else the pass cannot finish. */
  lost(error: EarshotError): void;
}

/** Starts a pass on a booted worker; returns what takes this pass's listeners off it again. */
export function startWorkerPass(
  entry: PooledWorker,
  session: WorkerSession,
  events: WorkerPassEvents,
): () => void {
  const listeners = {
    message(message: WorkerMessage): void {
      if (message.type === 'host') events.host(message.result, message.outcomes);
      else if (message.type === 'progress') events.progress(message.count);
      else if (message.type === 'done') events.done(message.count);
      else if (message.type === 'error') {
        const code = message.code?.startsWith('ERR_') ? (message.code as EarshotErrorCode) : 'ERR_RESOURCE';
        events.failed(new EarshotError(code, message.message));
      }
    },
    error(error: unknown): void {
      events.lost(
        new EarshotError(
          'ERR_RESOURCE',
          `A scan worker thread failed (${error instanceof Error ? error.message : String(error)}) before it finished its share of the probes: rerun with fewer --threads, or --threads 1.`,
          { cause: error },
        ),
      );
    },
    exit(): void {
      events.lost(
        new EarshotError(
          'ERR_RESOURCE',
          'A scan worker thread exited before it finished its share of the probes: rerun with fewer --threads, or --threads 1.',
        ),
      );
    },
  };
  entry.worker.on('message', listeners.message);
  entry.worker.on('error', listeners.error);
  entry.worker.on('exit', listeners.exit);
  entry.worker.postMessage({ type: 'start', session } satisfies WorkerControl);
  return () => {
    entry.worker.off('message', listeners.message);
    entry.worker.off('error', listeners.error);
    entry.worker.off('exit', listeners.exit);
  };
}
