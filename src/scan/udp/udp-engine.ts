// The UDP engine of one thread: connected datagram sockets (docs/netns.md, "UDP without raw sockets"),
// reused from port to port, in a window of probes with one sweep timer for timeouts. A reply means
// open, ICMP port-unreachable (ECONNREFUSED on the socket) closed, other ICMP errors filtered, and
// silence after every try open|filtered. Hosts that rate-limit their ICMP errors are paced.
import type { AddressFamily } from '../../model.js';
import { type EngineRunOptions, HostRoster } from '../engine/host-roster.js';
import { type EngineHost, HostState } from '../engine/host-state.js';
import { Outcome } from '../engine/outcome.js';
import { ProbeSlots } from '../engine/probe-slots.js';
import type { HostFeed } from '../engine/queues.js';
import { ProbeWindow, RateLimiter, ResourceStall, type TimingOptions } from '../engine/timing.js';
import { isOwnAddress, readOwnAddresses } from '../targets/own-addresses.js';
import {
  binding,
  createOwnPortMap,
  openUdpHandle,
  outcomeOfUdpError,
  ownPortIndex,
  type UdpHandle,
  UV_ECONNREFUSED,
} from './udp-handles.js';
import { udpPayloadFor } from './udp-payloads.js';

// Kernels allow one ICMP error per peer per icmp_ratelimit (v4 1000 ms) or icmp.ratelimit (v6
// 100 ms) after a small burst (ip-sysctl.rst); a little over that spacing gets every error through.
const ICMP_INTERVAL_MS: Record<AddressFamily, number> = { ipv4: 1050, ipv6: 110 };

/** Options of a UDP engine run: those of every engine run, and the scan's own-port map. */
export interface UdpRunOptions extends EngineRunOptions {
  ownPorts?: Uint8Array;
}

/** One host of a UDP scan: its probing state and ICMP pacing. */
class UdpHostState extends HostState {
  /**
   * An address of this host (own-addresses.ts): delivered through the loopback device, which never
   * rate-limits ICMP (icmpv4_xrlim_allow exempts it), and where our own probe sockets listen too.
   */
  readonly own: boolean;
  sawIcmp = false;
  paceMs = 0;
  nextSendAt = 0;

  constructor(index: number, host: EngineHost, timing: Readonly<TimingOptions>, now: number, own: boolean) {
    super(index, host, timing, now);
    this.own = own;
  }
}

/** Probes every port of every host from `hosts` (a list or a feed) over UDP on this thread; resolves when all are concluded. */
export async function runUdpProbes(
  hosts: HostFeed | Iterator<EngineHost>,
  timing: Readonly<TimingOptions>,
  options: UdpRunOptions,
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const window = new ProbeWindow({ ...timing, initialWindow: timing.maxWindow });
  const limiter = new RateLimiter(timing.maxRate);
  const ownAddresses = readOwnAddresses();
  const roster = new HostRoster(
    hosts,
    (index, host, now) =>
      new UdpHostState(index, host, timing, now, isOwnAddress(host.address, ownAddresses)),
    options,
    () => pump(),
  );
  const slots = new ProbeSlots<UdpHostState, UdpHandle>(timing.maxWindow);
  const spares: UdpHandle[][] = [[], []];
  const ownPorts = options.ownPorts ?? createOwnPortMap();
  // Nothing but this scan can hold a port our socket is bound to (no SO_REUSEADDR): at an address
  // of this host that port is closed to everyone else, and a probe of it would only reach ourselves.
  const isOwnPort = (family: AddressFamily, port: number) =>
    Atomics.load(ownPorts, ownPortIndex(family, port)) === 1;
  const allHandles = new Set<UdpHandle>();
  let gateUntil = 0;
  let settled = false;
  let settle!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  const fail = (error: unknown) => {
    if (settled) return;
    settled = true;
    settle(error);
  };

  const newHandle = (family: AddressFamily): UdpHandle | null => {
    // Spares are kept per family: without this, a scan of v4 and v6 hosts would hold up to twice
    // its window of sockets, past the open-files budget. The other family gives one up.
    if (allHandles.size >= slots.size) {
      const other = spares[family === 'ipv6' ? 0 : 1]!.pop();
      if (other !== undefined) retire(other);
    }
    const handle = openUdpHandle(family, ownPorts);
    if (handle === null) return null;
    handle.onmessage = onmessage;
    allHandles.add(handle);
    return handle;
  };

  const retire = (handle: UdpHandle) => {
    allHandles.delete(handle);
    Atomics.store(ownPorts, handle.localPort, 0);
    handle.close();
  };

  /** Frees a slot; its socket is disconnected and kept for the next probe of that family. */
  const release = (slot: number): UdpHostState => {
    const handle = slots.handle[slot]!;
    const state = slots.release(slot);
    roster.requeue(state);
    handle.slot = -1;
    if (handle.disconnect() === 0) spares[state.host.family === 'ipv6' ? 1 : 0]!.push(handle);
    else retire(handle);
    if (timing.scanDelayMs > 0) gateUntil = performance.now() + timing.scanDelayMs;
    return state;
  };

  function onmessage(nread: number, handle: UdpHandle) {
    try {
      answer(nread, handle);
    } catch (error) {
      fail(error);
    }
  }

  function answer(nread: number, handle: UdpHandle) {
    const slot = handle.slot;
    // A late answer to a probe we gave up on lands on an idle socket: nothing to learn from it.
    if (slot < 0 || slots.handle[slot] !== handle) return;
    const index = slots.portIndex[slot]!;
    const startedAt = slots.startedAt[slot]!;
    const state = release(slot);
    const family = state.host.family;
    const ownReply = nread >= 0 && state.own && isOwnPort(family, state.host.ports[index]!);
    const outcome = ownReply ? Outcome.closed : nread >= 0 ? Outcome.open : outcomeOfUdpError(nread);
    if (outcome === null) {
      window.onResourceLimit(slots.inFlight + 1);
      if (!state.done) state.retryQueue.push(index);
      pump();
      return;
    }
    if (nread === UV_ECONNREFUSED) state.sawIcmp = true;
    if (state.tries[index] === 1) state.rtt.sample(performance.now() - startedAt);
    state.window.onAnswer();
    window.onAnswer();
    if (!state.done) roster.conclude(state, index, outcome);
    pump();
  }

  /** Sends one probe; false when the system is out of resources (the port goes back in the queue). */
  const startProbe = (state: UdpHostState, index: number, now: number): boolean => {
    const family = state.host.family;
    const port = state.host.ports[index]!;
    const spare = spares[family === 'ipv6' ? 1 : 0]!;
    // The socket first, then the look-up: two threads that each bind a new socket and then probe
    // the other's port cannot both miss the other's mark (sequentially consistent Atomics).
    const handle = spare.pop() ?? newHandle(family);
    if (handle === null) {
      window.onResourceLimit(slots.inFlight);
      state.retryQueue.push(index);
      return false;
    }
    if (state.own && isOwnPort(family, port)) {
      spare.push(handle);
      state.tries[index] = state.tries[index]! + 1;
      roster.conclude(state, index, Outcome.closed);
      return true;
    }
    const connectError =
      family === 'ipv6'
        ? handle.connect6(state.host.address, port)
        : handle.connect(state.host.address, port);
    const attempt = state.tries[index]!;
    const sendError =
      connectError === 0
        ? handle.send(new binding.SendWrap(), [udpPayloadFor(port, attempt)], 1, false)
        : connectError;
    if (sendError < 0) {
      if (connectError === 0) handle.disconnect();
      spares[family === 'ipv6' ? 1 : 0]!.push(handle);
      const outcome = outcomeOfUdpError(sendError);
      if (outcome === null) {
        window.onResourceLimit(slots.inFlight);
        state.retryQueue.push(index);
        return false;
      }
      state.tries[index] = attempt + 1;
      roster.conclude(state, index, outcome);
      return true;
    }
    state.tries[index] = attempt + 1;
    handle.slot = slots.take(state, handle, index, now);
    if (state.paceMs > 0) state.nextSendAt = now + state.paceMs;
    return true;
  };

  let pumpNow = 0;
  const stall = new ResourceStall();
  const canSend = (state: UdpHostState) => state.inFlight < state.window.size && pumpNow >= state.nextSendAt;

  const pump = () => {
    if (settled) return;
    pumpNow = performance.now();
    if (pumpNow < gateUntil) return;
    let resourceLimited = false;
    while (slots.hasFree && slots.inFlight < window.size) {
      const index = roster.nextProbe(pumpNow, canSend);
      if (index < 0) break;
      const state = roster.picked!;
      if (limiter.delayMs(pumpNow) > 0) {
        state.retryQueue.push(index);
        break;
      }
      if (!startProbe(state, index, pumpNow)) {
        resourceLimited = true;
        break;
      }
      if (timing.scanDelayMs > 0) {
        gateUntil = pumpNow + timing.scanDelayMs;
        break;
      }
      pumpNow = performance.now();
    }
    roster.reportProbesDone();
    // No socket could be opened and none of ours is open: wait for descriptors (the sweep timer
    // pumps again), bounded.
    if (resourceLimited && slots.inFlight === 0) {
      const error = stall.stalled(pumpNow);
      if (error) return fail(error);
    } else stall.clear();
    if (roster.active.size === 0 && roster.exhausted && slots.inFlight === 0 && !settled) {
      settled = true;
      settle();
    }
  };

  const sweep = () => {
    const now = performance.now();
    for (const state of [...roster.active]) {
      if (now > state.deadline) roster.finish(state, true);
      // A paced host whose time has come is back in the round robin.
      else if (state.nextSendAt <= now) roster.requeue(state);
    }
    for (let slot = 0; slot < slots.size; slot++) {
      const state = slots.host[slot];
      // Timed against the host's current RTT estimate, not the one at sending: the first probes
      // go out before any answer is timed, and a silent port should not wait the initial 1 s.
      // No late-ICMPv6 floor as in the TCP engine: that delay comes from connect(2) holding the
      // socket lock; a connected UDP socket sees ICMPv6 port-unreachable as soon as it arrives.
      if (!state || now - slots.startedAt[slot]! <= state.rtt.timeoutMs()) continue;
      const index = slots.portIndex[slot]!;
      release(slot);
      state.window.onLoss();
      window.onLoss();
      // Silence from a host that does send port-unreachables may be its ICMP rate limit, not the
      // port: from now on space its probes so every error can get through.
      if (state.sawIcmp && !state.own && state.paceMs === 0) {
        state.paceMs = ICMP_INTERVAL_MS[state.host.family];
      }
      if (state.done) continue;
      if (state.tries[index]! <= timing.maxRetries) state.retryQueue.push(index);
      else roster.conclude(state, index, Outcome.noResponse);
    }
    pump();
  };

  const tickMs = Math.max(5, Math.min(50, Math.floor(timing.minRttMs / 4)));
  const timer = setInterval(() => {
    try {
      sweep();
    } catch (error) {
      fail(error);
    }
  }, tickMs);
  const onAbort = () => fail(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      pump();
    } catch (error) {
      fail(error);
    }
    await finished;
  } finally {
    clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    for (const handle of allHandles) retire(handle);
  }
}
