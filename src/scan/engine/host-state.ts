// One host as the engine sees it: the ports to probe, claimed in blocks (from a cursor shared with
// other threads, or its own), with its tries, retry queue, RTT estimate and congestion window.
import type { AddressFamily } from '../../model.js';
import { ProbeWindow, RttEstimator, type TimingOptions } from './timing.js';

/** One host for the engine: its address and the ports to probe. */
export interface EngineHost {
  address: string;
  family: AddressFamily;
  ports: readonly number[];
  /** Reported back as the result's `index`; without it, the order the engine took the host in. */
  id?: number;
  /**
   * Set when threads share the host: `cursor[0]` is the next unclaimed port index (threads claim
   * blocks with Atomics.add, so a busy core simply claims fewer), and every thread writes its
   * outcomes into the same shared bytes.
   */
  shared?: { cursor: Int32Array; outcomes: Uint8Array };
}

// ICMPv6 errors reach connect() ~1 s late on veth (docs/netns.md, "Connect scans").
const IPV6_ICMP_WAIT_MS = 1500;
const CLAIM_BLOCK = 256;

/** One host's probing state on this thread: outcomes, tries, retries, RTT and window. */
export class HostState {
  readonly outcomes: Uint8Array;
  readonly tries: Uint8Array;
  readonly retryQueue: number[] = [];
  readonly rtt: RttEstimator;
  readonly window: ProbeWindow;
  readonly lastTryFloorMs: number;
  readonly startedAtMs = Date.now();
  readonly deadline: number;
  /** Claimed port indexes not yet started: [next, end). */
  next = 0;
  end = 0;
  /** No port index is left to claim (by any thread). */
  exhausted = false;
  #ownCursor = 0;
  inFlight = 0;
  done = false;
  /**
   * Set once a probe of this host went unanswered: its later probes take new sockets (see
   * SocketPool) rather than ones a refusal left behind.
   */
  freshSocketsOnly = false;
  /** In the roster's round robin of hosts that may send. */
  queued = false;

  constructor(
    readonly index: number,
    readonly host: EngineHost,
    timing: Readonly<TimingOptions>,
    now: number,
  ) {
    this.outcomes = host.shared?.outcomes ?? new Uint8Array(host.ports.length);
    this.tries = new Uint8Array(host.ports.length);
    this.exhausted = host.ports.length === 0;
    // ICMPv6 errors reach connect() only with the retransmitted SYN, ~1 s late (docs/netns.md): a
    // shorter timeout would call a REJECT "filtered, no-response". Loopback answers at once.
    this.lastTryFloorMs = host.family === 'ipv6' && host.address !== '::1' ? IPV6_ICMP_WAIT_MS : 0;
    this.rtt = new RttEstimator(timing);
    this.window = new ProbeWindow(timing);
    this.deadline = timing.hostTimeoutMs > 0 ? now + timing.hostTimeoutMs : Number.POSITIVE_INFINITY;
  }

  hasWork(): boolean {
    return this.retryQueue.length > 0 || this.next < this.end || !this.exhausted;
  }

  /** The next port index to probe (retries first), or -1 when none is left for this thread. */
  claim(): number {
    if (this.retryQueue.length > 0) return this.retryQueue.pop()!;
    if (this.next >= this.end) {
      if (this.exhausted) return -1;
      const count = this.host.ports.length;
      const cursor = this.host.shared?.cursor;
      const start = cursor ? Atomics.add(cursor, 0, CLAIM_BLOCK) : this.#ownCursor;
      this.#ownCursor = start + CLAIM_BLOCK;
      if (start + CLAIM_BLOCK >= count) this.exhausted = true;
      if (start >= count) return -1;
      this.next = start;
      this.end = Math.min(count, start + CLAIM_BLOCK);
    }
    return this.next++;
  }

  /** Every port this thread claimed is concluded and nothing is left to claim. */
  isSettled(): boolean {
    return this.exhausted && this.next >= this.end && this.retryQueue.length === 0 && this.inFlight === 0;
  }
}
