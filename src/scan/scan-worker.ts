// Worker-thread entry: runs the TCP engine on the hosts and port stripe it was given and posts each
// host's outcomes back (transferred, not copied), progress every 100 ms, then "done" or "error".
import { parentPort, workerData } from 'node:worker_threads';
import { errnoCode } from '../errors.js';
import type { ParallelWorkerData, WorkerMessage } from './parallel.js';
import { runTcpProbes } from './tcp-connect.js';

const PROGRESS_EVERY_MS = 100;

const port = parentPort!;
const data = workerData as ParallelWorkerData;
const controller = new AbortController();
port.on('message', (message: { type: string }) => {
  if (message.type === 'abort') controller.abort(new Error('aborted by the main thread'));
});
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let unreported = 0;
let reportedAt = 0;
try {
  await runTcpProbes(data.hosts[Symbol.iterator](), data.timing, {
    signal: controller.signal,
    maxActiveHosts: data.hosts.length,
    onHostDone(result) {
      post({ type: 'host', result }, [result.outcomes.buffer as ArrayBuffer]);
    },
    onProbesDone(count) {
      unreported += count;
      const now = Date.now();
      if (now - reportedAt >= PROGRESS_EVERY_MS) {
        reportedAt = now;
        post({ type: 'progress', count: unreported });
        unreported = 0;
      }
    },
  });
  post({ type: 'done', count: unreported });
} catch (error) {
  if (!controller.signal.aborted) {
    post({
      type: 'error',
      code: errnoCode(error) ?? null,
      message: error instanceof Error ? error.message : String(error),
    });
  }
} finally {
  port.close();
}
