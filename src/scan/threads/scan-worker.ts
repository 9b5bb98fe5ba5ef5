// Worker-thread entry: runs one engine per session (one scan pass), fed the hosts the main thread
// hands it; posts when it is done with each host, progress every 100 ms, then "done" or "error".
// Between sessions it idles, ready for the next pass.
import { parentPort } from 'node:worker_threads';
import { errnoCode } from '../../errors.js';
import { QueueFeed } from '../engine/queues.js';
import { runTcpProbes } from '../tcp/tcp-connect.js';
import { runUdpProbes } from '../udp/udp-engine.js';
import type { WorkerControl, WorkerMessage, WorkerSession } from './worker-pool.js';

const PROGRESS_EVERY_MS = 100;

const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);
let session: { feed: QueueFeed; controller: AbortController } | null = null;

port.on('message', (message: WorkerControl) => {
  if (message.type === 'start') {
    const feed = new QueueFeed();
    const controller = new AbortController();
    session = { feed, controller };
    void run(message.session, feed, controller.signal);
  } else if (message.type === 'hosts') {
    for (const host of message.hosts) session?.feed.push(host);
  } else if (message.type === 'end') session?.feed.end();
  else session?.controller.abort(new Error('aborted by the main thread'));
});
post({ type: 'ready' });

async function run(data: WorkerSession, feed: QueueFeed, signal: AbortSignal): Promise<void> {
  let unreported = 0;
  let reportedAt = 0;
  try {
    const runProbes = data.protocol === 'udp' ? runUdpProbes : runTcpProbes;
    await runProbes(feed, data.timing, {
      signal,
      maxActiveHosts: data.maxActiveHosts,
      ...(data.ownPorts ? { ownPorts: data.ownPorts } : {}),
      onHostDone({ outcomes, ...result }) {
        post({
          type: 'host',
          result,
          outcomes: outcomes.buffer instanceof SharedArrayBuffer ? null : outcomes,
        });
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
    if (!signal.aborted) {
      post({
        type: 'error',
        code: errnoCode(error) ?? null,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
