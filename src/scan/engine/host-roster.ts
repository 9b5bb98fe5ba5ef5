// The hosts one engine thread is probing, as the TCP and UDP engines both keep them: taken from the
// feed only when the ones already active cannot fill the window, up to a limit, and reported once
// every port this thread claimed of them is concluded.

import type { ConnectorKind } from '../tcp/connector.js';
import type { EngineHost, HostState } from './host-state.js';
import type { OutcomeCode } from './outcome.js';
import { Fifo, type HostFeed, iteratorFeed } from './queues.js';

/** What the engine learned about one host; `outcomes[i]` is about `ports[i]`. */
export interface EngineHostResult {
  /** The host's `id`, or its position in the order the engine took hosts when it has none. */
  index: number;
  outcomes: Uint8Array;
  /** True when --host-timeout stopped it; ports still `pending` were not concluded. */
  timedOut: boolean;
  srttMs: number | null;
  startedAtMs: number;
  endedAtMs: number;
}

/** Callbacks and limits of one engine run. */
export interface EngineRunOptions {
  signal?: AbortSignal;
  /** Hosts probed at the same time at most; more are taken from the feed as these finish. */
  maxActiveHosts?: number;
  onHostDone(result: EngineHostResult): void;
  /** Called with the number of probes concluded since the last call. */
  onProbesDone?(count: number): void;
  /** TCP only: which connector carries the connects (default: native when built). */
  connector?: ConnectorKind;
}

/** The hosts of an engine run: those being probed now, and the feed that holds the rest. */
export class HostRoster<Host extends HostState> {
  /** Hosts being probed; finished hosts leave it. */
  readonly active = new Set<Host>();
  /** The feed has ended and every host of it was taken. */
  exhausted = false;
  /** The host of the index the last `nextProbe` returned. */
  picked: Host | null = null;
  readonly #feed: HostFeed;
  readonly #createHost: (index: number, host: EngineHost, now: number) => Host;
  readonly #options: EngineRunOptions;
  readonly #maxActive: number;
  readonly #wake: () => void;
  // Hosts that may be able to send, in round-robin order; one that cannot is dropped and comes back
  // with its next answer (`requeue`), so finding the next probe never walks every waiting host.
  readonly #ready = new Fifo<Host>();
  #waiting = false;
  #pulled = 0;
  #probesDone = 0;

  /** `wake` runs when a feed that had nothing ready has a host (or its end) after all. */
  constructor(
    hosts: HostFeed | Iterator<EngineHost>,
    createHost: (index: number, host: EngineHost, now: number) => Host,
    options: EngineRunOptions,
    wake: () => void,
  ) {
    this.#feed = 'notify' in hosts ? hosts : iteratorFeed(hosts);
    this.#createHost = createHost;
    this.#options = options;
    this.#maxActive = Math.max(1, options.maxActiveHosts ?? 1);
    this.#wake = wake;
  }

  /**
   * The next port index to probe, of the host left in `picked`: round robin over the hosts that have
   * work and that `canSend` allows, taking another host from the feed when none has. -1 when nothing
   * can be sent now.
   */
  nextProbe(now: number, canSend: (host: Host) => boolean): number {
    for (;;) {
      const host = this.#ready.shift();
      if (host === undefined) {
        if (!this.#pull(now)) return -1;
        continue;
      }
      host.queued = false;
      if (host.done || !host.hasWork() || !canSend(host)) continue;
      const index = this.claim(host);
      if (index < 0) continue;
      this.requeue(host);
      this.picked = host;
      return index;
    }
  }

  /** Puts a host back in the round robin: an answer freed room in its window, or a retry is due. */
  requeue(host: Host): void {
    if (host.queued || host.done) return;
    host.queued = true;
    this.#ready.push(host);
  }

  /** Takes one host from the feed into the round robin; false when none can be taken now. */
  #pull(now: number): boolean {
    while (!this.exhausted && this.active.size < this.#maxActive) {
      const next = this.#feed.next();
      if (next === undefined) {
        this.exhausted = true;
        break;
      }
      if (next === null) {
        if (!this.#waiting) {
          this.#waiting = true;
          this.#feed.notify(() => {
            this.#waiting = false;
            this.#wake();
          });
        }
        return false;
      }
      const host = this.#createHost(next.id ?? this.#pulled, next, now);
      this.#pulled++;
      if (host.isSettled()) {
        this.finish(host, false);
        continue;
      }
      this.active.add(host);
      this.requeue(host);
      return true;
    }
    return false;
  }

  /** Takes a host out of the active ones and reports it. */
  finish(host: Host, timedOut: boolean): void {
    host.done = true;
    this.active.delete(host);
    this.#options.onHostDone({
      index: host.index,
      outcomes: host.outcomes,
      timedOut,
      srttMs: host.rtt.srttMs,
      startedAtMs: host.startedAtMs,
      endedAtMs: Date.now(),
    });
  }

  /**
   * The next port index of `host` for this thread, or -1 when none is left for it now. A host whose
   * remaining ports other threads claimed, with nothing of ours in flight, is finished here: no
   * answer will ever come back to finish it.
   */
  claim(host: Host): number {
    const index = host.claim();
    if (index < 0 && !host.done && host.isSettled()) this.finish(host, false);
    return index;
  }

  /** Writes a port's outcome; finishes the host when that was its last open question. */
  conclude(host: Host, index: number, outcome: OutcomeCode): void {
    host.outcomes[index] = outcome;
    this.#probesDone++;
    if (!host.done && host.isSettled()) this.finish(host, false);
  }

  /** Passes the probes concluded since the last call to `onProbesDone`. */
  reportProbesDone(): void {
    if (this.#probesDone === 0) return;
    this.#options.onProbesDone?.(this.#probesDone);
    this.#probesDone = 0;
  }
}

/**
 * One host's result from the parts every thread holding it reported: the earliest start, the
 * latest end, the lowest smoothed RTT, and the outcomes from shared memory or the one thread's bytes.
 */
export function combineHostParts(
  host: EngineHost,
  parts: readonly Omit<EngineHostResult, 'outcomes'>[],
  ownOutcomes: Uint8Array | null,
): EngineHostResult {
  let srttMs: number | null = null;
  let startedAtMs = Number.POSITIVE_INFINITY;
  let endedAtMs = 0;
  for (const part of parts) {
    if (part.srttMs !== null && (srttMs === null || part.srttMs < srttMs)) srttMs = part.srttMs;
    if (part.startedAtMs < startedAtMs) startedAtMs = part.startedAtMs;
    if (part.endedAtMs > endedAtMs) endedAtMs = part.endedAtMs;
  }
  return {
    index: host.id!,
    outcomes: host.shared?.outcomes ?? ownOutcomes ?? new Uint8Array(host.ports.length),
    timedOut: parts.some((part) => part.timedOut),
    srttMs,
    startedAtMs,
    endedAtMs,
  };
}
