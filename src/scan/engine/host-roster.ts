// The hosts one engine thread is probing, as the TCP and UDP engines both keep them: pulled from the
// iterator up to a limit, and reported once every port this thread claimed of them is concluded.
import type { EngineHost, HostState } from './host-state.js';
import type { OutcomeCode } from './outcome.js';

/** What the engine learned about one host; `outcomes[i]` is about `ports[i]`. */
export interface EngineHostResult {
  /** Position of the host in the order the engine pulled it. */
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
  /** Hosts probed at the same time; more are pulled from the iterator as these finish. */
  maxActiveHosts?: number;
  onHostDone(result: EngineHostResult): void;
  /** Called with the number of probes concluded since the last call. */
  onProbesDone?(count: number): void;
}

/** The hosts of an engine run: those being probed now, and the iterator that holds the rest. */
export class HostRoster<Host extends HostState> {
  /** Hosts being probed, in the order pulled; finished hosts leave it. */
  readonly active: Host[] = [];
  /** The iterator has no host left. */
  exhausted = false;
  readonly #hosts: Iterator<EngineHost>;
  readonly #createHost: (index: number, host: EngineHost, now: number) => Host;
  readonly #options: EngineRunOptions;
  readonly #maxActive: number;
  #pulled = 0;
  #probesDone = 0;

  constructor(
    hosts: Iterator<EngineHost>,
    createHost: (index: number, host: EngineHost, now: number) => Host,
    options: EngineRunOptions,
  ) {
    this.#hosts = hosts;
    this.#createHost = createHost;
    this.#options = options;
    this.#maxActive = Math.max(1, options.maxActiveHosts ?? 1);
  }

  /** Pulls hosts from the iterator until `maxActiveHosts` are active or none is left. */
  pull(now: number): void {
    while (!this.exhausted && this.active.length < this.#maxActive) {
      const next = this.#hosts.next();
      if (next.done) {
        this.exhausted = true;
        break;
      }
      const host = this.#createHost(this.#pulled++, next.value, now);
      if (host.isSettled()) this.finish(host, false);
      else this.active.push(host);
    }
  }

  /** Takes a host out of the active ones and reports it. */
  finish(host: Host, timedOut: boolean): void {
    host.done = true;
    const at = this.active.indexOf(host);
    if (at !== -1) this.active.splice(at, 1);
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
