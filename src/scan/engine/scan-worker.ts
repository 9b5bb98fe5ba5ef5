// Worker-thread entry: runs the TCP engine on the hosts it was given, claiming port blocks from the
// shared cursors; posts when it is done with each host, progress every 100 ms, then "done" or "error".
import { parentPort } from 'node:worker_threads';
import { errnoCode } from '../../errors.js';
import { runTcpProbes } from '../tcp/tcp-connect.js';
import { runUdpProbes } from '../udp/udp-engine.js';
import type { ParallelWorkerData, WorkerControl, WorkerMessage } from './parallel.js';

const PROGRESS_EVERY_MS = 100;

const port = parentPort!;
const controller = new AbortController();
const post = (message: WorkerMessage) => port.postMessage(message);

// Started ahead of time (prewarmScanThreads), the thread waits here for its share of a scan.
port.on('message', (message: WorkerControl) => {
  if (message.type === 'abort') controller.abort(new Error('aborted by the main thread'));
  else if (message.type === 'run') void run(message.data);
});

async function run(data: ParallelWorkerData): Promise<void> {
  let unreported = 0;
  let reportedAt = 0;
  post({ type: 'ready' });
  try {
    const runProbes = data.protocol === 'udp' ? runUdpProbes : runTcpProbes;
    await runProbes(data.hosts[Symbol.iterator](), data.timing, {
      signal: controller.signal,
      maxActiveHosts: data.hosts.length,
      ...(data.ownPorts ? { ownPorts: data.ownPorts } : {}),
      onHostDone({ outcomes: _shared, ...result }) {
        post({ type: 'host', result });
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
}
