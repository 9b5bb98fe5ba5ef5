// The probes in flight on one engine thread, as the TCP and UDP engines both keep them: one slot per
// probe, its fields in parallel arrays (typed where they are numbers), slots reused from probe to
// probe, so tens of thousands of probes allocate nothing here.
import type { HostState } from './host-state.js';

/** The slot table of probes in flight: whose probe each slot holds, on which socket, since when. */
export class ProbeSlots<Host extends HostState, Handle extends object> {
  /** The host of each slot's probe; null when the slot is free. */
  readonly host: (Host | null)[];
  /** The socket each slot's probe went out on; null when the slot is free. */
  readonly handle: (Handle | null)[];
  /** The probed port, as an index into its host's port list. */
  readonly portIndex: Int32Array;
  /** performance.now() when each slot's probe went out. */
  readonly startedAt: Float64Array;
  /** Probes in flight, all hosts together. */
  inFlight = 0;
  readonly #free: number[] = [];

  constructor(readonly size: number) {
    this.host = new Array<Host | null>(size).fill(null);
    this.handle = new Array<Handle | null>(size).fill(null);
    this.portIndex = new Int32Array(size);
    this.startedAt = new Float64Array(size);
    for (let slot = size - 1; slot >= 0; slot--) this.#free.push(slot);
  }

  /** Some slot is free. */
  get hasFree(): boolean {
    return this.#free.length > 0;
  }

  /** The slot the next `take` returns. One must be free. */
  get nextFree(): number {
    return this.#free[this.#free.length - 1]!;
  }

  /** Records a probe that went out and counts it in flight; returns its slot. One must be free. */
  take(host: Host, handle: Handle, portIndex: number, now: number): number {
    const slot = this.#free.pop()!;
    this.host[slot] = host;
    this.handle[slot] = handle;
    this.portIndex[slot] = portIndex;
    this.startedAt[slot] = now;
    this.inFlight++;
    host.inFlight++;
    return slot;
  }

  /** Frees the slot of a probe that was answered or given up; returns its host. */
  release(slot: number): Host {
    const host = this.host[slot]!;
    this.host[slot] = null;
    this.handle[slot] = null;
    this.#free.push(slot);
    this.inFlight--;
    host.inFlight--;
    return host;
  }
}
