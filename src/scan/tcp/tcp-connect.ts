// The TCP connect engine of one thread: non-blocking connects in a congestion window, one shared
// sweep timer for timeouts, outcomes written into one byte per port. The connects themselves run in
// a Connector (earshot's native socket table, or Node's tcp_wrap handles): a scan opens tens of
// thousands of connections that carry no data, and net.Socket's streams, timers and listeners would
// be most of the cost. See docs/netns.md ("Connect scans") for the traps handled here.
import { type EngineRunOptions, HostRoster } from '../engine/host-roster.js';
import { type EngineHost, HostState } from '../engine/host-state.js';
import { Outcome } from '../engine/outcome.js';
import { ProbeSlots } from '../engine/probe-slots.js';
import type { HostFeed } from '../engine/queues.js';
import { ProbeWindow, RateLimiter, ResourceStall, type TimingOptions } from '../engine/timing.js';
import { CONNECTED, type Connector, type ConnectRequest, SELF_CONNECTED } from './connector.js';
import { openConnector } from './open-connector.js';
import { ephemeralPortRange, outcomeOfError } from './tcp-handles.js';

export type { EngineHost } from '../engine/host-state.js';

const MIN_SWEEP_MS = 5;

/**
 * Probes every port of every host from `hosts` (a list, or a feed that keeps receiving hosts until
 * it ends) on this thread; resolves when all are concluded.
 */
export async function runTcpProbes(
  hosts: HostFeed | Iterator<EngineHost>,
  timing: Readonly<TimingOptions>,
  options: EngineRunOptions,
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  // Congestion is per host (one silent host must not throttle the others, as in nmap); the global
  // window only caps all probes together and shrinks when descriptors run out.
  const window = new ProbeWindow({ ...timing, initialWindow: timing.maxWindow });
  const limiter = new RateLimiter(timing.maxRate);
  const connector = openConnector(
    timing.maxWindow,
    { completed, batchDone: () => pump() },
    options.connector,
  );
  const request: ConnectRequest = { family: 'ipv4', address: '', port: 0, checkSelf: false, reuse: true };
  const ephemeral = ephemeralPortRange();
  const roster = new HostRoster(
    hosts,
    (index, host, now) => new HostState(index, host, timing, now),
    options,
    () => pump(),
  );
  const slots = new ProbeSlots<HostState, Connector>(timing.maxWindow);
  const slotDeadline = new Float64Array(slots.size);
  let answers = 0;
  let gateUntil = 0;
  const stall = new ResourceStall();
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweepAt = Number.POSITIVE_INFINITY;
  let pumpTimer: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Immediate | undefined;
  let expired: number[] = [];
  let settle!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  let settled = false;

  const fail = (error: unknown) => {
    if (settled) return;
    settled = true;
    settle(error);
  };

  const release = (slot: number): HostState => {
    const state = slots.release(slot);
    roster.requeue(state);
    if (timing.scanDelayMs > 0) gateUntil = performance.now() + timing.scanDelayMs;
    return state;
  };

  const requeue = (state: HostState, index: number) => {
    if (!state.done) state.retryQueue.push(index);
  };

  function completed(slot: number, status: number) {
    const index = slots.portIndex[slot]!;
    const startedAt = slots.startedAt[slot]!;
    const state = release(slot);
    if (status === CONNECTED || status === SELF_CONNECTED) {
      if (!state.done) roster.conclude(state, index, status === CONNECTED ? Outcome.open : Outcome.closed);
    } else {
      const outcome = outcomeOfError(status);
      if (outcome === null) {
        window.onResourceLimit(slots.inFlight + 1);
        requeue(state, index);
        return;
      }
      if (!state.done) roster.conclude(state, index, outcome);
    }
    // A timeout alone is no sign of congestion: a port behind a DROP rule never answers, and
    // halving the window for each such port held a scan of 1,000 ports, 200 of them dropped, for
    // over a minute (nmap: 1.7 s). An answer to a retry is: the earlier try was lost (nmap's rule).
    if (state.tries[index]! > 1) state.window.onLoss();
    // Karn's rule: time first tries only. One answer in 8 is plenty of samples and spares the clock.
    if (state.tries[index] === 1 && ((answers++ & 7) === 0 || state.rtt.srttMs === null)) {
      state.rtt.sample(performance.now() - startedAt);
    }
    state.window.onAnswer();
    window.onAnswer();
  }

  const startProbe = (state: HostState, index: number, now: number): boolean => {
    const port = state.host.ports[index]!;
    request.family = state.host.family;
    request.address = state.host.address;
    request.port = port;
    request.checkSelf = ephemeral.has(port);
    request.reuse = !state.freshSocketsOnly;
    const slot = slots.nextFree;
    const error = connector.connect(slot, request);
    if (error !== 0) {
      const outcome = outcomeOfError(error);
      if (outcome === null) {
        window.onResourceLimit(slots.inFlight);
        requeue(state, index);
        return false;
      }
      state.tries[index] = state.tries[index]! + 1;
      roster.conclude(state, index, outcome);
      return true;
    }
    state.tries[index] = state.tries[index]! + 1;
    // A connect completes from the event loop, never inside the call that starts it: the slot is
    // recorded after the connect is under way.
    slots.take(state, connector, index, now);
    // Only the last try waits for a late ICMPv6 error: earlier tries keep the scan fast.
    const lastTry = state.tries[index]! > timing.maxRetries;
    const timeout = state.rtt.timeoutMs();
    const deadline = now + (lastTry ? Math.max(timeout, state.lastTryFloorMs) : timeout);
    slotDeadline[slot] = deadline;
    if (deadline < sweepAt) armSweep(deadline, now);
    return true;
  };

  const canSend = (state: HostState) => state.inFlight < state.window.size;

  function pump() {
    if (settled) return;
    roster.reportProbesDone();
    let now = performance.now();
    if (now < gateUntil) return armPump(gateUntil - now);
    let resourceLimited = false;
    while (slots.inFlight < window.size) {
      const index = roster.nextProbe(now, canSend);
      if (index < 0) break;
      const state = roster.picked!;
      const wait = limiter.delayMs(now);
      if (wait > 0) {
        state.retryQueue.push(index);
        return armPump(wait);
      }
      if (!startProbe(state, index, now)) {
        resourceLimited = true;
        break;
      }
      if (timing.scanDelayMs > 0) {
        gateUntil = Number.POSITIVE_INFINITY;
        break;
      }
      now = performance.now();
    }
    if (resourceLimited && slots.inFlight === 0) {
      const error = stall.stalled(now);
      return error ? fail(error) : armPump(10);
    }
    stall.clear();
    if (slots.inFlight === 0 && roster.active.size === 0 && roster.exhausted) {
      roster.reportProbesDone();
      settled = true;
      settle();
    }
  }

  function armPump(delayMs: number) {
    if (pumpTimer !== undefined) return;
    pumpTimer = setTimeout(() => {
      pumpTimer = undefined;
      pump();
    }, delayMs);
  }

  function armSweep(at: number, now: number) {
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    sweepAt = at;
    sweepTimer = setTimeout(sweep, Math.max(MIN_SWEEP_MS, at - now));
  }

  // The one timer of the scan: finds probes past their deadline and hosts past --host-timeout.
  function sweep() {
    sweepTimer = undefined;
    sweepAt = Number.POSITIVE_INFINITY;
    if (settled) return;
    const now = performance.now();
    let nextAt = Number.POSITIVE_INFINITY;
    for (const state of [...roster.active]) {
      if (state.deadline <= now) {
        closeHostProbes(state);
        roster.finish(state, true);
      } else if (state.deadline < nextAt) nextAt = state.deadline;
    }
    for (let slot = 0; slot < slots.size; slot++) {
      if (slots.handle[slot] === null) continue;
      const deadline = slotDeadline[slot]!;
      if (deadline <= now) expired.push(slot);
      else if (deadline < nextAt) nextAt = deadline;
    }
    // A reset that raced the timer may already sit in the poll queue: let this loop iteration's poll
    // phase deliver it first (setImmediate runs after poll), so it counts as closed, not filtered.
    if (expired.length > 0 && expiry === undefined) expiry = setImmediate(expire);
    if (nextAt < Number.POSITIVE_INFINITY) armSweep(nextAt, now);
    pump();
  }

  function expire() {
    expiry = undefined;
    const due = expired;
    expired = [];
    const now = performance.now();
    for (const slot of due) {
      // Answered since the sweep, and maybe already holding a new probe: that one is not due.
      if (slots.handle[slot] === null || slotDeadline[slot]! > now) continue;
      const index = slots.portIndex[slot]!;
      connector.abandon(slot);
      const state = release(slot);
      state.freshSocketsOnly = true;
      if (state.done) continue;
      if (state.tries[index]! <= timing.maxRetries) requeue(state, index);
      else roster.conclude(state, index, Outcome.noResponse);
    }
    pump();
  }

  function closeHostProbes(state: HostState) {
    for (let slot = 0; slot < slots.size; slot++) {
      if (slots.host[slot] !== state) continue;
      connector.abandon(slot);
      release(slot);
    }
  }

  const onAbort = () => fail(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    pump();
    await finished;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (sweepTimer !== undefined) clearTimeout(sweepTimer);
    if (pumpTimer !== undefined) clearTimeout(pumpTimer);
    if (expiry !== undefined) clearImmediate(expiry);
    connector.close();
  }
}
