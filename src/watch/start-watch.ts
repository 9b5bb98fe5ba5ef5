// earshot watch as a library: poll the listeners every interval, run a full verify on a timer, record
// everything in the store, and hand each event to the caller and to every sink (through the store's
// outbox, so that nothing is lost while a sink is down or watch restarts). startWatch returns a
// handle to stop and await; the CLI and the fleet agent both build on it.
import { hostname } from 'node:os';
import { EarshotError } from '../errors.js';
import type { EarshotEvent, Owner, Protocol, VerifyReport } from '../model.js';
import type { Store } from '../store/store.js';
import type { BaselineSource } from '../verify/verify.js';
import type { Listener } from './listener-diff.js';
import { ListenerLoop } from './listener-loop.js';
import { OutboxRunner, type OutboxRunnerOptions } from './outbox-runner.js';
import { runPeriodicVerify, type VerifyRunResult, type WatchVerifyOptions } from './periodic-verify.js';
import type { Sink } from './sinks/sink.js';
import { claimIsAlive, ownClaim } from './writer-claim.js';

/** What watch does and where its events go; every field but `store` has a default. */
export interface WatchOptions {
  /** The history store (openStore); watch records in it and never closes it. */
  store: Store;
  /** Where procfs is mounted (default /proc). */
  procRoot?: string;
  /**
   * Read the listening tables of this process's network namespace (`<procRoot>/<pid>/net`) instead of
   * watch's own: a container's, from the host. The periodic verify still scans watch's own namespace.
   */
  netnsPid?: number;
  passwdPath?: string;
  /** How often to read the listening tables (default 1000 ms). */
  intervalMs?: number;
  /** How often to walk every process's fds anyway (default 60 s; see owner-tracker.ts). */
  ownerRescanMs?: number;
  /** How often to run a full verify (default 15 min; 0: never). */
  verifyEveryMs?: number;
  /** Run the first verify at start (default true) rather than one period in. */
  verifyAtStart?: boolean;
  /** verify's options (ports, UDP, detection, targets...). */
  verify?: WatchVerifyOptions;
  baseline?: BaselineSource | null;
  /** Destinations besides onEvent, each with its own queue in the store's outbox. */
  sinks?: readonly Sink[];
  /**
   * Outbox queues the caller delivers itself (the fleet agent, which sends batches): every event is
   * queued under each of these names too, and nothing in watch takes them.
   */
  queues?: readonly string[];
  /** Retry timing of the sinks' deliveries. */
  delivery?: Pick<OutboxRunnerOptions, 'minBackoffMs' | 'maxBackoffMs'>;
  /** How long stop() lets sinks deliver what is queued (default 5 s). */
  flushTimeoutMs?: number;
  /** Closed intervals, events and reports older than this are pruned, hourly (default 90 days). */
  retainMs?: number;
  /** Each event, once it is stored, in order. */
  onEvent?: (event: EarshotEvent) => void;
  /** Problems that did not stop watch (an unreadable table, a failed delivery, a failed verify). */
  onWarning?: (message: string) => void;
  /** Aborting stops watch, as stop() does. */
  signal?: AbortSignal;
}

/** A listener watch currently sees open. */
export interface WatchedListener {
  protocol: Protocol;
  address: string;
  port: number;
  owners: Owner[];
  /** When its interval started (possibly in an earlier run of watch). */
  openedAt: string;
}

/** A running watch. */
export interface WatchHandle {
  /** Resolves once watch has stopped (after stop(), or the signal). */
  readonly done: Promise<void>;
  /** Stops polling and verifying, lets the sinks deliver what is queued (flushTimeoutMs), and resolves. */
  stop(): Promise<void>;
  /** The listeners open now, as of the last poll. */
  listeners(): WatchedListener[];
  /** The last verify report (from this run, or the store's latest at start), with its stored id. */
  latestVerify(): { reportId: string; report: VerifyReport } | null;
  /** Replaces the baseline for the next verify (SIGHUP). */
  setBaseline(baseline: BaselineSource | null): void;
  /** Runs a verify now (or waits for the one running) and returns it; null once stopped. */
  verifyNow(): Promise<VerifyRunResult | null>;
  /** Events each sink has yet to deliver, by sink name. */
  pending(): Record<string, number>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Starts watching; rejects when the store is taken or /proc cannot be read at all. */
export async function startWatch(options: WatchOptions): Promise<WatchHandle> {
  const { store } = options;
  const procRoot = (options.procRoot ?? '/proc').replace(/\/+$/, '') || '/';
  const intervalMs = options.intervalMs ?? 1000;
  const verifyEveryMs = options.verifyEveryMs ?? 15 * 60_000;
  const retainMs = options.retainMs ?? 90 * DAY_MS;
  const host = hostname();
  const sinks = options.sinks ?? [];
  // Every queue an event goes to: the sinks' (delivered by watch's runners) and the caller's own.
  const sinkNames = [...sinks.map((sink) => sink.name), ...(options.queues ?? [])];
  if (new Set(sinkNames).size !== sinkNames.length) {
    throw new EarshotError(
      'ERR_OPTION',
      `Two sinks share a name (${sinkNames.join(', ')}): give each its own.`,
    );
  }
  if (!(intervalMs >= 10)) throw new EarshotError('ERR_OPTION', `The watch interval must be at least 10 ms.`);
  options.signal?.throwIfAborted();

  const claim = ownClaim();
  store.claimWriter(claim, claimIsAlive);
  const warned = new Map<string, number>();
  const warn = (message: string) => {
    // The same problem every second is said once a minute.
    const last = warned.get(message);
    if (last !== undefined && Date.now() - last < 60_000) return;
    warned.set(message, Date.now());
    options.onWarning?.(message);
  };
  let loop: ListenerLoop;
  try {
    loop = new ListenerLoop({
      store,
      procRoot,
      ...(options.netnsPid !== undefined ? { netDir: `${procRoot}/${options.netnsPid}/net` } : {}),
      ...(options.passwdPath !== undefined ? { passwdPath: options.passwdPath } : {}),
      ...(options.ownerRescanMs !== undefined ? { ownerRescanMs: options.ownerRescanMs } : {}),
    });
  } catch (error) {
    store.releaseWriter(claim.pid);
    throw error;
  }
  const runners = sinks.map(
    (sink) =>
      new OutboxRunner(store, sink, {
        ...options.delivery,
        onFailure: (name, error, attempts) =>
          warn(
            `${name}: delivery failed (attempt ${attempts}; kept queued): ${(error as Error).message ?? error}`,
          ),
      }),
  );
  let latest: { reportId: string; report: VerifyReport } | null = (() => {
    const stored = store.read('loading the last verify report', () => store.verifyRuns.latest());
    return stored ? { reportId: stored.id, report: stored.report } : null;
  })();
  let baseline = options.baseline ?? null;
  let stopped = false;
  const verifyController = new AbortController();
  let running: Promise<VerifyRunResult | null> | null = null;
  let pollTimer: NodeJS.Timeout | undefined;
  let verifyTimer: NodeJS.Timeout | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;

  const publish = (events: readonly EarshotEvent[]) => {
    if (events.length === 0) return;
    for (const event of events) options.onEvent?.(event);
    for (const runner of runners) runner.wake();
  };

  const poll = () => {
    const time = new Date().toISOString();
    // While verify runs, its bind witness binds UDP ports for an instant: a new listener that only
    // watch itself holds (or that is gone before its owner is found) is not counted until it ends.
    const ignore = (listener: Listener) =>
      running !== null && listener.owners.every((owner) => owner.pid === process.pid);
    const result = loop.poll({ host, time }, sinkNames, ignore);
    for (const warning of result.warnings) warn(warning);
    publish(result.events);
  };

  const runVerify = (): Promise<VerifyRunResult | null> => {
    if (running) return running;
    if (stopped) return Promise.resolve(null);
    running = runPeriodicVerify({
      store,
      procRoot,
      baseline,
      verify: options.verify ?? {},
      sinks: sinkNames,
      host,
      signal: verifyController.signal,
    })
      .then((result) => {
        latest = { reportId: result.reportId, report: result.report };
        publish(result.events);
        return result;
      })
      .catch((error: unknown) => {
        if (!stopped)
          warn(`verify failed (retried at the next period): ${(error as Error).message ?? error}`);
        return null;
      })
      .finally(() => {
        running = null;
        if (!stopped && verifyEveryMs > 0) {
          clearTimeout(verifyTimer);
          verifyTimer = setTimeout(runVerify, verifyEveryMs);
        }
      });
    return running;
  };

  const prune = () => {
    try {
      store.prune(new Date(Date.now() - retainMs).toISOString());
    } catch (error) {
      warn((error as Error).message);
    }
  };

  // The first poll runs before startWatch returns, so that an unreadable /proc fails the start.
  try {
    poll();
  } catch (error) {
    for (const runner of runners) await runner.stop();
    store.releaseWriter(claim.pid);
    throw error;
  }
  prune();
  pruneTimer = setInterval(prune, HOUR_MS);
  const schedulePoll = () => {
    pollTimer = setTimeout(() => {
      if (stopped) return;
      try {
        poll();
      } catch (error) {
        // A store that cannot be written now (locked, disk full): the poll is repeated next time.
        warn((error as Error).message);
      }
      schedulePoll();
    }, intervalMs);
  };
  schedulePoll();
  if (verifyEveryMs > 0) {
    if (options.verifyAtStart ?? true) void runVerify();
    else verifyTimer = setTimeout(runVerify, verifyEveryMs);
  }

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      clearTimeout(pollTimer);
      clearTimeout(verifyTimer);
      clearInterval(pruneTimer);
      verifyController.abort(new EarshotError('ERR_INTERRUPTED', 'watch stopped'));
      await running;
      const flushMs = options.flushTimeoutMs ?? 5000;
      await Promise.all(runners.map((runner) => runner.drain(flushMs)));
      await Promise.all(runners.map((runner) => runner.stop()));
      try {
        store.releaseWriter(claim.pid);
      } catch (error) {
        warn((error as Error).message);
      }
      options.signal?.removeEventListener('abort', onAbort);
      resolveDone();
    })();
    return stopping;
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    done,
    stop,
    listeners: () =>
      loop.listeners().map((listener) => ({
        protocol: listener.protocol,
        address: listener.address,
        port: listener.port,
        owners: listener.owners,
        openedAt: listener.openedAt,
      })),
    latestVerify: () => latest,
    setBaseline(next) {
      baseline = next;
    },
    verifyNow: () => runVerify(),
    pending: () =>
      Object.fromEntries(
        sinkNames.map((name) => [name, store.read('reading the outbox', () => store.outbox.pending(name))]),
      ),
  };
}
