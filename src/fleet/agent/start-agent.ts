// The fleet agent as a library: watch on this host, and everything it records pushed to the fleet
// server. Events are queued in the history store's outbox under `fleet:<server URL>` (so a backlog
// survives the server being away and the agent restarting) and delivered in order by the push queue;
// a snapshot of the host (snapshot.ts) goes at start and every `snapshotEveryMs`, once the queue is
// empty. startAgent returns a handle to stop and await, as startWatch does.
import { hostname } from 'node:os';
import { loadServiceCatalog } from '../../catalog/services.js';
import type { EarshotError } from '../../errors.js';
import { startWatch, type WatchHandle, type WatchOptions } from '../../watch/start-watch.js';
import { parseServerUrl } from './credentials.js';
import { PushClient } from './push-client.js';
import { PushQueue, type PushRecord } from './push-queue.js';
import { buildSnapshot } from './snapshot.js';

/** What the agent watches, where it pushes, and how; watch's own options pass through. */
export interface AgentOptions extends Omit<WatchOptions, 'sinks' | 'queues' | 'signal' | 'onWarning'> {
  /** The server's base URL (`https://fleet.example:8443`). */
  server: string;
  /** The agent token (`earshot server token --agent HOST`); sent as a Bearer token, never shown. */
  token: string;
  /** PEM of the CA that signed the server's certificate (default: the system's CAs). */
  ca?: string;
  /** How often to push a snapshot (default 5 min); one also goes at start. */
  snapshotEveryMs?: number;
  /** The longest one push may take (default 30 s). */
  requestTimeoutMs?: number;
  /** Events per push at most (default 500). */
  maxBatchEvents?: number;
  /** Problems that did not stop the agent (a failed push, a refused body, watch's own). */
  onWarning?: (message: string) => void;
  /** Each push the server took. */
  onPushed?: (push: PushRecord) => void;
  /** Aborting stops the agent, as stop() does. */
  signal?: AbortSignal;
}

/** A running agent. */
export interface AgentHandle {
  /** Resolves once stopped; rejects with ERR_AGENT_TOKEN when the server refused the token. */
  readonly done: Promise<void>;
  /** Stops watching, gives the queue `flushTimeoutMs` to go out (the rest waits in the store), resolves. */
  stop(): Promise<void>;
  /** The watch underneath. */
  readonly watch: WatchHandle;
  /** The outbox queue the agent delivers (`fleet:<server URL>`). */
  readonly queue: string;
  /** Events the server has yet to get. */
  pending(): number;
  /** Pushes a snapshot as soon as the queue is empty. */
  snapshotNow(): void;
}

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** Starts the agent; rejects as startWatch does (a store in use, an unreadable /proc). */
export async function startAgent(options: AgentOptions): Promise<AgentHandle> {
  const server = parseServerUrl(options.server);
  const queue = `fleet:${server.href}`;
  const snapshotEveryMs = options.snapshotEveryMs ?? 5 * 60_000;
  const {
    server: _server,
    token,
    ca,
    snapshotEveryMs: _every,
    requestTimeoutMs,
    maxBatchEvents,
    onWarning,
    onPushed,
    signal,
    ...watchOptions
  } = options;
  signal?.throwIfAborted();
  const warned = new Map<string, number>();
  const warn = (message: string) => {
    // The same trouble every retry is said once a minute.
    const last = warned.get(message);
    if (last !== undefined && Date.now() - last < 60_000) return;
    warned.set(message, Date.now());
    onWarning?.(message);
  };
  if (server.protocol === 'http:' && !LOOPBACK_HOST.test(server.host.replace(/:\d+$/, ''))) {
    warn(`${server.href} is plain http: the token and every report cross the network unencrypted; use https`);
  }
  const catalog = await loadServiceCatalog().catch(() => null);
  const client = new PushClient({
    server,
    token,
    ...(ca !== undefined ? { ca } : {}),
    ...(requestTimeoutMs !== undefined ? { timeoutMs: requestTimeoutMs } : {}),
  });
  let pushQueue: PushQueue | null = null;
  let watch: WatchHandle;
  try {
    watch = await startWatch({
      ...watchOptions,
      queues: [queue],
      onWarning: warn,
      onEvent: (event) => {
        pushQueue?.wake();
        options.onEvent?.(event);
      },
    });
  } catch (error) {
    client.close();
    throw error;
  }
  const { store } = options;
  let failure: EarshotError | null = null;
  pushQueue = new PushQueue({
    store,
    queue,
    client,
    snapshot: () =>
      buildSnapshot({
        verified:
          store.read('reading the last verify report', () => store.verifyRuns.latest())?.report ?? null,
        listeners: watch.listeners(),
        catalog,
        hostname: hostname(),
        privileged: process.getuid?.() === 0,
        now: new Date(),
      }),
    ...options.delivery,
    ...(maxBatchEvents !== undefined ? { maxBatchEvents } : {}),
    onWarning: warn,
    ...(onPushed ? { onPushed } : {}),
    onStopped: (error) => {
      failure = error;
      void stop();
    },
  });
  const queueRunner = pushQueue;
  const snapshotTimer = setInterval(() => queueRunner.requestSnapshot(), snapshotEveryMs);

  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may never await done; its rejection must not end the process on its own.
  done.catch(() => undefined);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      clearInterval(snapshotTimer);
      signal?.removeEventListener('abort', onAbort);
      try {
        await watch.stop();
        if (!failure) await queueRunner.drain(options.flushTimeoutMs ?? 5000);
        await queueRunner.stop();
      } finally {
        client.close();
        if (failure) settle.reject(failure);
        else settle.resolve();
      }
    })();
    return stopping.catch(() => undefined);
  };
  const onAbort = () => void stop();
  signal?.addEventListener('abort', onAbort, { once: true });

  return {
    done,
    stop,
    watch,
    queue,
    pending: () => queueRunner.pending(),
    snapshotNow: () => queueRunner.requestSnapshot(),
  };
}
