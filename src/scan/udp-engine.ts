// The UDP engine of one thread: connected datagram sockets (NETNS-NOTES "UDP without raw sockets"),
// reused from port to port, in a window of probes with one sweep timer for timeouts. A reply means
// open, ICMP port-unreachable (ECONNREFUSED on the socket) closed, other ICMP errors filtered, and
// silence after every try open|filtered. Hosts that rate-limit their ICMP errors are paced.
import type { AddressFamily } from '../model.js';
import { isLoopbackAddress } from './discovery.js';
import { type EngineHost, HostState } from './host-state.js';
import { Outcome, type OutcomeCode } from './outcome.js';
import type { EngineHostResult, EngineRunOptions } from './tcp-connect.js';
import { ProbeWindow, RateLimiter, type TimingOptions } from './timing.js';
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

/** Options of a UDP engine run: the TCP engine's, and the scan's own-port map. */
export interface UdpRunOptions extends EngineRunOptions {
  ownPorts?: Uint8Array;
}

/** Extra per-host state of a UDP scan: ICMP pacing. */
interface UdpHost {
  state: HostState;
  /** Loopback never rate-limits (icmpv4_xrlim_allow exempts it). */
  loopback: boolean;
  sawIcmp: boolean;
  paceMs: number;
  nextSendAt: number;
}

/** Probes every port of every host from `hosts` over UDP on this thread; resolves when all are concluded. */
export async function runUdpProbes(
  hosts: Iterator<EngineHost>,
  timing: Readonly<TimingOptions>,
  options: UdpRunOptions,
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const maxActiveHosts = Math.max(1, options.maxActiveHosts ?? 1);
  const window = new ProbeWindow({ ...timing, initialWindow: timing.maxWindow });
  const limiter = new RateLimiter(timing.maxRate);
  const slotCount = timing.maxWindow;
  const slotHost: (UdpHost | null)[] = new Array(slotCount).fill(null);
  const slotHandle: (UdpHandle | null)[] = new Array(slotCount).fill(null);
  const slotIndex = new Int32Array(slotCount);
  const slotStart = new Float64Array(slotCount);
  const freeSlots: number[] = [];
  for (let slot = slotCount - 1; slot >= 0; slot--) freeSlots.push(slot);
  const spares: UdpHandle[][] = [[], []];
  const ownPorts = options.ownPorts ?? createOwnPortMap();
  // Nothing but this scan can hold a port our socket is bound to (no SO_REUSEADDR): over loopback
  // that port is closed to everyone else, and a probe of it would only reach ourselves.
  const isOwnPort = (family: AddressFamily, port: number) =>
    Atomics.load(ownPorts, ownPortIndex(family, port)) === 1;
  const allHandles = new Set<UdpHandle>();
  const active: UdpHost[] = [];
  let hostsExhausted = false;
  let hostCounter = 0;
  let inFlight = 0;
  let pendingDone = 0;
  let gateUntil = 0;
  let robin = 0;
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

  const newHandle = (family: AddressFamily): UdpHandle => {
    const handle = openUdpHandle(family, ownPorts);
    handle.onmessage = onmessage;
    allHandles.add(handle);
    return handle;
  };

  const retire = (handle: UdpHandle) => {
    allHandles.delete(handle);
    Atomics.store(ownPorts, handle.localPort, 0);
    handle.close();
  };

  const finishHost = (host: UdpHost, timedOut: boolean) => {
    const { state } = host;
    state.done = true;
    const at = active.indexOf(host);
    if (at !== -1) active.splice(at, 1);
    options.onHostDone({
      index: state.index,
      outcomes: state.outcomes,
      timedOut,
      srttMs: state.rtt.srttMs,
      startedAtMs: state.startedAtMs,
      endedAtMs: Date.now(),
    } satisfies EngineHostResult);
  };

  const conclude = (host: UdpHost, index: number, outcome: OutcomeCode) => {
    host.state.outcomes[index] = outcome;
    pendingDone++;
    if (!host.state.done && host.state.isSettled()) finishHost(host, false);
  };

  /** Frees a slot; its socket is disconnected and kept for the next probe of that family. */
  const release = (slot: number): UdpHost => {
    const host = slotHost[slot]!;
    const handle = slotHandle[slot]!;
    slotHost[slot] = null;
    slotHandle[slot] = null;
    handle.slot = -1;
    if (handle.disconnect() === 0) spares[host.state.host.family === 'ipv6' ? 1 : 0]!.push(handle);
    else retire(handle);
    freeSlots.push(slot);
    inFlight--;
    host.state.inFlight--;
    if (timing.scanDelayMs > 0) gateUntil = performance.now() + timing.scanDelayMs;
    return host;
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
    if (slot < 0 || slotHandle[slot] !== handle) return;
    const index = slotIndex[slot]!;
    const startedAt = slotStart[slot]!;
    const host = release(slot);
    const family = host.state.host.family;
    const ownReply = nread >= 0 && host.loopback && isOwnPort(family, host.state.host.ports[index]!);
    const outcome = ownReply ? Outcome.closed : nread >= 0 ? Outcome.open : outcomeOfUdpError(nread);
    if (outcome === null) {
      window.onResourceLimit(inFlight + 1);
      if (!host.state.done) host.state.retryQueue.push(index);
      pump();
      return;
    }
    if (nread === UV_ECONNREFUSED) host.sawIcmp = true;
    if (host.state.tries[index] === 1) host.state.rtt.sample(performance.now() - startedAt);
    host.state.window.onAnswer();
    window.onAnswer();
    if (!host.state.done) conclude(host, index, outcome);
    pump();
  }

  const pullHosts = (now: number) => {
    while (!hostsExhausted && active.length < maxActiveHosts) {
      const next = hosts.next();
      if (next.done) {
        hostsExhausted = true;
        break;
      }
      const state = new HostState(hostCounter++, next.value, timing, now);
      const host: UdpHost = {
        state,
        loopback: isLoopbackAddress(next.value.address),
        sawIcmp: false,
        paceMs: 0,
        nextSendAt: 0,
      };
      if (state.isSettled()) finishHost(host, false);
      else active.push(host);
    }
  };

  /** Sends one probe; false when the system is out of resources (the port goes back in the queue). */
  const startProbe = (host: UdpHost, index: number, now: number): boolean => {
    const { state } = host;
    const family = state.host.family;
    const port = state.host.ports[index]!;
    const spare = spares[family === 'ipv6' ? 1 : 0]!;
    // The socket first, then the look-up: two threads that each bind a new socket and then probe
    // the other's port cannot both miss the other's mark (sequentially consistent Atomics).
    const handle = spare.pop() ?? newHandle(family);
    if (host.loopback && isOwnPort(family, port)) {
      spare.push(handle);
      state.tries[index] = state.tries[index]! + 1;
      conclude(host, index, Outcome.closed);
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
        window.onResourceLimit(inFlight);
        state.retryQueue.push(index);
        return false;
      }
      state.tries[index] = attempt + 1;
      conclude(host, index, outcome);
      return true;
    }
    state.tries[index] = attempt + 1;
    const slot = freeSlots.pop()!;
    handle.slot = slot;
    slotHost[slot] = host;
    slotHandle[slot] = handle;
    slotIndex[slot] = index;
    slotStart[slot] = now;
    inFlight++;
    state.inFlight++;
    if (host.paceMs > 0) host.nextSendAt = now + host.paceMs;
    return true;
  };

  const pump = () => {
    if (settled) return;
    const now = performance.now();
    pullHosts(now);
    if (now < gateUntil) return;
    let idle = 0;
    while (freeSlots.length > 0 && inFlight < window.size && active.length > 0 && idle < active.length) {
      robin %= active.length;
      const host = active[robin]!;
      const { state } = host;
      if (now > state.deadline) {
        finishHost(host, true);
        continue;
      }
      if (state.inFlight >= state.window.size || !state.hasWork() || now < host.nextSendAt) {
        idle++;
        robin++;
        continue;
      }
      if (limiter.delayMs(now) > 0) break;
      const index = state.claim();
      if (index < 0) {
        idle++;
        robin++;
        continue;
      }
      idle = 0;
      if (!startProbe(host, index, now)) break;
      if (timing.scanDelayMs > 0) {
        gateUntil = now + timing.scanDelayMs;
        break;
      }
    }
    if (pendingDone > 0) {
      options.onProbesDone?.(pendingDone);
      pendingDone = 0;
    }
    if (active.length === 0 && hostsExhausted && inFlight === 0 && !settled) {
      settled = true;
      settle();
    }
  };

  const sweep = () => {
    const now = performance.now();
    for (let slot = 0; slot < slotCount; slot++) {
      const pending = slotHost[slot];
      // Timed against the host's current RTT estimate, not the one at sending: the first probes
      // go out before any answer is timed, and a silent port should not wait the initial 1 s.
      // No late-ICMPv6 floor as in the TCP engine: that delay comes from connect(2) holding the
      // socket lock; a connected UDP socket sees ICMPv6 port-unreachable as soon as it arrives.
      if (!pending || now - slotStart[slot]! <= pending.state.rtt.timeoutMs()) continue;
      const index = slotIndex[slot]!;
      const host = release(slot);
      const { state } = host;
      host.state.window.onLoss();
      window.onLoss();
      // Silence from a host that does send port-unreachables may be its ICMP rate limit, not the
      // port: from now on space its probes so every error can get through.
      if (host.sawIcmp && !host.loopback && host.paceMs === 0) {
        host.paceMs = ICMP_INTERVAL_MS[state.host.family];
      }
      if (state.done) continue;
      if (state.tries[index]! <= timing.maxRetries) state.retryQueue.push(index);
      else conclude(host, index, Outcome.noResponse);
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
