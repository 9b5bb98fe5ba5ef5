// Spreads one scan pass over threads. Each thread runs one engine for the whole pass and is fed hosts
// as it has room: a host with few ports goes to one thread, a host with many ports to every thread,
// which then claim blocks of its port indexes from a shared cursor (Atomics.add) and write outcomes
// into shared bytes, so a core that is busy elsewhere simply claims fewer. No thread waits at a group
// boundary: hosts keep flowing until the pass ends. A connect costs mostly kernel time: a second core
// nearly halves a full -p- scan.

import { combineHostParts, type EngineHostResult } from '../engine/host-roster.js';
import type { EngineHost } from '../engine/host-state.js';
import { Fifo, QueueFeed } from '../engine/queues.js';
import { shareTiming, type TimingOptions } from '../engine/timing.js';
import { runTcpProbes } from '../tcp/tcp-connect.js';
import { runUdpProbes } from '../udp/udp-engine.js';
import { createOwnPortMap } from '../udp/udp-handles.js';
import { startWorkerPass } from './worker-pass.js';
import {
  type PooledWorker,
  returnWorker,
  takeWorker,
  type WorkerControl,
  type WorkerSession,
} from './worker-pool.js';

/** What a pass over several threads needs. */
export interface ProbeTeamOptions {
  threads: number;
  protocol: 'tcp' | 'udp';
  /** The whole pass's timing; each thread gets its share of the window and rate. */
  timing: Readonly<TimingOptions>;
  /** Hosts one thread probes at the same time at most. */
  maxActiveHosts: number;
  /** Hosts with at least this many ports are shared by every thread. */
  sharePortsFrom: number;
  signal: AbortSignal;
  /** A host every thread holding it has finished: `index` is the id `add` returned. */
  onHostDone(result: EngineHostResult): void;
  onProbesDone?(count: number): void;
}

interface TeamThread {
  /** The main thread's feed; workers are fed by message. */
  feed: QueueFeed | null;
  entry: PooledWorker | null;
  /** Hosts handed to this thread that it has not reported yet. */
  assigned: number;
  /** Hosts to post to the worker in the next batch. */
  batch: EngineHost[];
  done: boolean;
  /** Takes the worker's listeners for this pass off again, when it ends. */
  detach: (() => void) | null;
}

interface TeamHost {
  host: EngineHost;
  shared: boolean;
  holders: number;
  parts: Omit<EngineHostResult, 'outcomes'>[];
  /** The main thread's own bytes, for a host no other thread held. */
  outcomes: Uint8Array | null;
}

/**
 * One pass of a scan over the main thread and up to `threads - 1` workers: `add` hands hosts in as
 * they are known, `end` says no more follow, `run` resolves once every host was reported.
 */
export class ProbeTeam {
  readonly #options: ProbeTeamOptions;
  readonly #timing: TimingOptions;
  readonly #capacity: number;
  readonly #threads: TeamThread[] = [];
  readonly #recruits: PooledWorker[] = [];
  readonly #pending = new Fifo<EngineHost>();
  readonly #hosts = new Map<number, TeamHost>();
  readonly #ownPorts: Uint8Array | undefined;
  readonly #stop = new AbortController();
  #nextId = 0;
  #ending = false;
  #ended = false;
  #workersDone: (() => void) | null = null;

  constructor(options: ProbeTeamOptions) {
    this.#options = options;
    this.#timing = shareTiming(options.timing, Math.max(1, options.threads));
    // A few hosts beyond the active ones wait in each thread's feed, so no thread waits on a message.
    this.#capacity = options.maxActiveHosts + Math.ceil(options.maxActiveHosts / 4);
    this.#ownPorts = options.protocol === 'udp' ? createOwnPortMap() : undefined;
    this.#threads.push({
      feed: new QueueFeed(),
      entry: null,
      assigned: 0,
      batch: [],
      done: false,
      detach: null,
    });
  }

  /** Hands a host to the team; returns the id its result will carry as `index`. */
  add(host: Omit<EngineHost, 'id' | 'shared'>): number {
    const id = this.#nextId++;
    const withId: EngineHost = { ...host, id };
    // Shared memory only for a host every thread probes: a small host stays on one thread, and a
    // SharedArrayBuffer pair for each of a /16's 65,536 hosts cost more than their probes' bookkeeping.
    if (this.#options.threads > 1 && host.ports.length >= this.#options.sharePortsFrom) {
      withId.shared = {
        cursor: new Int32Array(new SharedArrayBuffer(4)),
        outcomes: new Uint8Array(new SharedArrayBuffer(host.ports.length)),
      };
    }
    this.#pending.push(withId);
    this.#assign();
    return id;
  }

  /** No host follows; the threads end once every host is reported. */
  end(): void {
    this.#ending = true;
    this.#assign();
  }

  /** Runs the pass until `end` and every host reported; rejects with the first failure or the abort reason. */
  async run(): Promise<void> {
    const { signal } = this.#options;
    const stop = this.#stop;
    const onAbort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const stopped = new Promise<never>((_, reject) => {
      stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true });
    });
    stopped.catch(() => undefined);
    stop.signal.addEventListener('abort', () => {
      for (const thread of this.#threads) thread.entry?.worker.postMessage({ type: 'abort' });
    });
    let clean = false;
    try {
      for (let part = 1; part < this.#options.threads; part++) this.#recruit();
      const main = this.#threads[0]!;
      const runProbes = this.#options.protocol === 'udp' ? runUdpProbes : runTcpProbes;
      await runProbes(main.feed!, this.#timing, {
        maxActiveHosts: this.#options.maxActiveHosts,
        ...(this.#ownPorts ? { ownPorts: this.#ownPorts } : {}),
        signal: stop.signal,
        onHostDone: ({ outcomes, ...result }) => this.#reported(main, result, outcomes),
        ...(this.#options.onProbesDone ? { onProbesDone: this.#options.onProbesDone } : {}),
      });
      main.done = true;
      await Promise.race([this.#allWorkersDone(), stopped]);
      stop.signal.throwIfAborted();
      clean = true;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await this.#release(clean);
    }
  }

  #recruit(): void {
    const entry = takeWorker();
    this.#recruits.push(entry);
    const thread: TeamThread = { feed: null, entry, assigned: 0, batch: [], done: false, detach: null };
    if (entry.ready) this.#join(thread);
    else entry.onReady = () => this.#join(thread);
  }

  /** A booted worker takes part: it starts its engine and joins the shared hosts still in progress. */
  #join(thread: TeamThread): void {
    const entry = thread.entry!;
    entry.onReady = null;
    if (this.#ended || this.#stop.signal.aborted || entry.failed) return;
    this.#threads.push(thread);
    const session: WorkerSession = {
      timing: this.#timing,
      protocol: this.#options.protocol,
      maxActiveHosts: this.#options.maxActiveHosts,
      ...(this.#ownPorts ? { ownPorts: this.#ownPorts } : {}),
    };
    thread.detach = startWorkerPass(entry, session, {
      host: (result, outcomes) => this.#reported(thread, result, outcomes),
      progress: (count) => this.#options.onProbesDone?.(count),
      done: (count) => {
        this.#options.onProbesDone?.(count);
        thread.done = true;
        this.#checkWorkersDone();
      },
      failed: (error) => this.#stop.abort(error),
      lost: (error) => {
        if (!thread.done) this.#stop.abort(error);
      },
    });
    for (const held of this.#hosts.values()) {
      if (!held.shared || Atomics.load(held.host.shared!.cursor, 0) >= held.host.ports.length) continue;
      held.holders++;
      this.#give(thread, held.host);
    }
    this.#assign();
  }

  /**
   * How busy a thread counts as when a small host is placed. The main thread also turns every
   * result into a report and writes it, so with workers beside it, it takes half their share.
   */
  #load(thread: TeamThread): number {
    return thread.feed && this.#threads.length > 1 ? thread.assigned * 2 : thread.assigned;
  }

  #give(thread: TeamThread, host: EngineHost): void {
    thread.assigned++;
    if (thread.feed) thread.feed.push(host);
    else thread.batch.push(host);
  }

  /** Hands waiting hosts to threads with room, and ends the threads once `end` came and none wait. */
  #assign(): void {
    const threads = this.#threads;
    for (let host = this.#pending.peek(); host !== undefined; host = this.#pending.peek()) {
      const shared = host.shared !== undefined && host.ports.length >= this.#options.sharePortsFrom;
      // A small host goes to the thread with the most room; a big one waits until every thread has some.
      let target: TeamThread | null = null;
      let everyHasRoom = true;
      for (const thread of threads) {
        if (thread.assigned >= this.#capacity) everyHasRoom = false;
        else if (target === null || this.#load(thread) < this.#load(target)) target = thread;
      }
      if (target === null || (shared && !everyHasRoom)) break;
      this.#pending.shift();
      const holders = shared ? threads : [target];
      this.#hosts.set(host.id!, { host, shared, holders: holders.length, parts: [], outcomes: null });
      for (const thread of holders) this.#give(thread, host);
    }
    const endNow = this.#ending && !this.#ended && this.#pending.size === 0;
    if (endNow) this.#ended = true;
    for (const thread of threads) {
      if (thread.entry && thread.batch.length > 0) {
        thread.entry.worker.postMessage({ type: 'hosts', hosts: thread.batch } satisfies WorkerControl);
        thread.batch = [];
      }
      if (!endNow) continue;
      if (thread.feed) thread.feed.end();
      else thread.entry!.worker.postMessage({ type: 'end' } satisfies WorkerControl);
    }
  }

  #reported(
    thread: TeamThread,
    result: Omit<EngineHostResult, 'outcomes'>,
    outcomes: Uint8Array | null,
  ): void {
    thread.assigned--;
    const held = this.#hosts.get(result.index);
    if (held) {
      held.parts.push(result);
      if (!held.host.shared && outcomes) held.outcomes = outcomes;
      if (held.parts.length >= held.holders) {
        this.#hosts.delete(result.index);
        this.#options.onHostDone(combineHostParts(held.host, held.parts, held.outcomes));
      }
    }
    this.#assign();
  }

  #allWorkersDone(): Promise<void> {
    return new Promise((resolve) => {
      this.#workersDone = resolve;
      this.#checkWorkersDone();
    });
  }

  #checkWorkersDone(): void {
    if (this.#threads.every((thread) => thread.done)) this.#workersDone?.();
  }

  /** Workers that finished cleanly, or never joined, go back to the idle pool; any other is stopped. */
  async #release(clean: boolean): Promise<void> {
    const returning: Promise<void>[] = [];
    for (const entry of this.#recruits) {
      const thread = this.#threads.find((candidate) => candidate.entry === entry);
      thread?.detach?.();
      returning.push(returnWorker(entry, thread === undefined || (clean && thread.done)));
    }
    await Promise.all(returning);
  }
}
