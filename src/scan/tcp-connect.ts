// The TCP connect engine of one thread: non-blocking connects in a congestion window, one shared
// sweep timer for timeouts, outcomes written into one byte per port. It drives libuv TCP handles
// directly (Node's tcp_wrap binding, the layer under net.Socket): a scan opens tens of thousands of
// connections that carry no data, and net.Socket's streams, timers and listeners would be most of
// the cost. See NETNS-NOTES for the traps handled here.
import { constants as osConstants } from 'node:os';
import { EarshotError } from '../errors.js';
import type { AddressFamily } from '../model.js';
import { Outcome, type OutcomeCode } from './outcome.js';
import { ProbeWindow, RateLimiter, RttEstimator, type TimingOptions } from './timing.js';

/** One host for the engine: its address and the ports to probe. */
export interface EngineHost {
  address: string;
  family: AddressFamily;
  ports: readonly number[];
}

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

interface TcpHandle {
  connect(req: ConnectReq, address: string, port: number): number;
  connect6(req: ConnectReq, address: string, port: number): number;
  getsockname(out: { address?: string; port?: number }): number;
  getpeername(out: { address?: string; port?: number }): number;
  reset(): number;
  close(): void;
}
interface ConnectReq {
  oncomplete: (status: number, handle: TcpHandle, req: ConnectReq) => void;
  slot: number;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectReq;
  constants: { SOCKET: number };
}

// process.binding is documented as deprecated but tcp_wrap stays on its allow-list through Node 22;
// it is what net.Socket itself is built on.
const binding = (process as unknown as { binding(name: string): TcpWrapBinding }).binding('tcp_wrap');

const errno = osConstants.errno;
// libuv reports errors as negative errno values.
const UV = {
  ECONNREFUSED: -errno.ECONNREFUSED,
  ECANCELED: -errno.ECANCELED,
  EHOSTUNREACH: -errno.EHOSTUNREACH,
  ENETUNREACH: -errno.ENETUNREACH,
  ENETDOWN: -errno.ENETDOWN,
  EACCES: -errno.EACCES,
  EPERM: -errno.EPERM,
  EINVAL: -errno.EINVAL,
  ETIMEDOUT: -errno.ETIMEDOUT,
};

// Running out of descriptors, buffers or source ports says nothing about the target: retry later.
const RESOURCE_ERRORS = new Set(
  ['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS', 'EAGAIN', 'ENOMEM'].map(
    (name) => -(errno as Record<string, number>)[name]!,
  ),
);

/** Maps a failed connect's status to an outcome; null for resource errors (retry). */
function outcomeOfError(status: number): OutcomeCode | null {
  if (RESOURCE_ERRORS.has(status)) return null;
  switch (status) {
    case UV.ECONNREFUSED:
      return Outcome.closed;
    // v6 REJECT admin-prohibited and local firewall rules (connect(2): EACCES, EPERM).
    case UV.EACCES:
    case UV.EPERM:
      return Outcome.adminProhibited;
    // v4 ICMP host-unreachable, and admin-prohibited: the kernel maps both to EHOSTUNREACH.
    case UV.EHOSTUNREACH:
      return Outcome.hostUnreach;
    // EINVAL: a blackhole route.
    case UV.ENETUNREACH:
    case UV.ENETDOWN:
    case UV.EINVAL:
      return Outcome.netUnreach;
    default:
      return Outcome.noResponse;
  }
}

const RESOURCE_STALL_LIMIT_MS = 10_000;
const MIN_SWEEP_MS = 5;
const IPV6_ICMP_WAIT_MS = 1500;

class HostState {
  readonly outcomes: Uint8Array;
  readonly tries: Uint8Array;
  readonly retryQueue: number[] = [];
  readonly rtt: RttEstimator;
  readonly window: ProbeWindow;
  readonly lastTryFloorMs: number;
  readonly startedAtMs = Date.now();
  readonly deadline: number;
  next = 0;
  remaining: number;
  inFlight = 0;
  done = false;

  constructor(
    readonly index: number,
    readonly host: EngineHost,
    timing: Readonly<TimingOptions>,
    now: number,
  ) {
    this.outcomes = new Uint8Array(host.ports.length);
    this.tries = new Uint8Array(host.ports.length);
    this.remaining = host.ports.length;
    // ICMPv6 errors reach connect() only with the retransmitted SYN, ~1 s late (NETNS-NOTES): a
    // shorter timeout would call a REJECT "filtered, no-response". Loopback answers at once.
    this.lastTryFloorMs = host.family === 'ipv6' && host.address !== '::1' ? IPV6_ICMP_WAIT_MS : 0;
    this.rtt = new RttEstimator(timing);
    this.window = new ProbeWindow(timing);
    this.deadline = timing.hostTimeoutMs > 0 ? now + timing.hostTimeoutMs : Number.POSITIVE_INFINITY;
  }

  hasWork(): boolean {
    return this.retryQueue.length > 0 || this.next < this.host.ports.length;
  }
}

/** Probes every port of every host from `hosts` on this thread; resolves when all are concluded. */
export async function runTcpProbes(
  hosts: Iterator<EngineHost>,
  timing: Readonly<TimingOptions>,
  options: EngineRunOptions,
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  const maxActiveHosts = Math.max(1, options.maxActiveHosts ?? 1);
  // Congestion is per host (one silent host must not throttle the others, as in nmap); the global
  // window only caps all probes together and shrinks when descriptors run out.
  const window = new ProbeWindow({ ...timing, initialWindow: timing.maxWindow });
  const limiter = new RateLimiter(timing.maxRate);
  const slotCount = timing.maxWindow;
  const slotHost: (HostState | null)[] = new Array(slotCount).fill(null);
  const slotIndex = new Int32Array(slotCount);
  const slotStart = new Float64Array(slotCount);
  const slotDeadline = new Float64Array(slotCount);
  const slotHandle: (TcpHandle | null)[] = new Array(slotCount).fill(null);
  const freeSlots: number[] = [];
  for (let slot = slotCount - 1; slot >= 0; slot--) freeSlots.push(slot);
  const active: HostState[] = [];
  let hostsExhausted = false;
  let hostCounter = 0;
  let inFlight = 0;
  let robin = 0;
  let pendingDone = 0;
  let gateUntil = 0;
  let stalledSince = -1;
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

  const pullHosts = (now: number) => {
    while (!hostsExhausted && active.length < maxActiveHosts) {
      const next = hosts.next();
      if (next.done) {
        hostsExhausted = true;
        break;
      }
      const state = new HostState(hostCounter++, next.value, timing, now);
      if (state.remaining === 0) finishHost(state, false);
      else active.push(state);
    }
  };

  function finishHost(state: HostState, timedOut: boolean) {
    state.done = true;
    const at = active.indexOf(state);
    if (at !== -1) active.splice(at, 1);
    options.onHostDone({
      index: state.index,
      outcomes: state.outcomes,
      timedOut,
      srttMs: state.rtt.srttMs,
      startedAtMs: state.startedAtMs,
      endedAtMs: Date.now(),
    });
  }

  const conclude = (state: HostState, index: number, outcome: OutcomeCode) => {
    state.outcomes[index] = outcome;
    pendingDone++;
    if (--state.remaining === 0 && !state.done) finishHost(state, false);
  };

  const release = (slot: number): HostState => {
    const state = slotHost[slot]!;
    slotHost[slot] = null;
    slotHandle[slot] = null;
    freeSlots.push(slot);
    inFlight--;
    state.inFlight--;
    if (timing.scanDelayMs > 0) gateUntil = performance.now() + timing.scanDelayMs;
    return state;
  };

  const requeue = (state: HostState, index: number) => {
    if (!state.done) state.retryQueue.push(index);
  };

  function oncomplete(status: number, handle: TcpHandle, req: ConnectReq) {
    const slot = req.slot;
    // A connect we abandoned (timeout, host timeout) completes with ECANCELED, or late: ignore it.
    if (slotHandle[slot] !== handle || status === UV.ECANCELED) return;
    const index = slotIndex[slot]!;
    const now = performance.now();
    const startedAt = slotStart[slot]!;
    const state = release(slot);
    if (status === 0) {
      const local: { address?: string; port?: number } = {};
      const peer: { address?: string; port?: number } = {};
      handle.getsockname(local);
      handle.getpeername(peer);
      // RST, not FIN: a FIN close leaves FIN_WAIT2/CLOSE_WAIT pairs behind by the thousand.
      handle.reset();
      // A self-connect (the kernel picked the target port as our source port) proves nothing
      // listens there: a listener would have kept that port out of the ephemeral pool.
      const self = local.port === peer.port && local.address === peer.address;
      if (!state.done) conclude(state, index, self ? Outcome.closed : Outcome.open);
    } else {
      handle.close();
      const outcome = outcomeOfError(status);
      if (outcome === null) {
        window.onResourceLimit(inFlight + 1);
        requeue(state, index);
        pump();
        return;
      }
      if (!state.done) conclude(state, index, outcome);
    }
    if (state.tries[index] === 1) state.rtt.sample(now - startedAt);
    state.window.onAnswer();
    pump();
  }

  const startProbe = (state: HostState, index: number, now: number): boolean => {
    const handle = new binding.TCP(binding.constants.SOCKET);
    const req = new binding.TCPConnectWrap();
    const slot = freeSlots.pop()!;
    req.oncomplete = oncomplete;
    req.slot = slot;
    const port = state.host.ports[index]!;
    const error =
      state.host.family === 'ipv6'
        ? handle.connect6(req, state.host.address, port)
        : handle.connect(req, state.host.address, port);
    if (error !== 0) {
      freeSlots.push(slot);
      handle.close();
      const outcome = outcomeOfError(error);
      if (outcome === null) {
        window.onResourceLimit(inFlight);
        requeue(state, index);
        return false;
      }
      state.tries[index] = state.tries[index]! + 1;
      conclude(state, index, outcome);
      return true;
    }
    state.tries[index] = state.tries[index]! + 1;
    slotHost[slot] = state;
    slotHandle[slot] = handle;
    slotIndex[slot] = index;
    slotStart[slot] = now;
    // Only the last try waits for a late ICMPv6 error: earlier tries keep the scan fast.
    const lastTry = state.tries[index]! > timing.maxRetries;
    const timeout = state.rtt.timeoutMs();
    const deadline = now + (lastTry ? Math.max(timeout, state.lastTryFloorMs) : timeout);
    slotDeadline[slot] = deadline;
    inFlight++;
    state.inFlight++;
    if (deadline < sweepAt) armSweep(deadline, now);
    return true;
  };

  function pump() {
    if (settled) return;
    if (pendingDone > 0 && options.onProbesDone) {
      options.onProbesDone(pendingDone);
      pendingDone = 0;
    }
    let now = performance.now();
    pullHosts(now);
    let limit = window.size;
    let resourceLimited = false;
    while (inFlight < limit && active.length > 0 && !resourceLimited) {
      if (now < gateUntil) return armPump(gateUntil - now);
      let progressed = false;
      for (let scanned = 0; scanned < active.length && inFlight < limit; scanned++) {
        const state = active[robin++ % active.length]!;
        if (state.inFlight >= state.window.size || !state.hasWork()) continue;
        const wait = limiter.delayMs(now);
        if (wait > 0) return armPump(wait);
        const index = state.retryQueue.length > 0 ? state.retryQueue.pop()! : state.next++;
        if (!startProbe(state, index, now)) {
          resourceLimited = true;
          break;
        }
        progressed = true;
        if (timing.scanDelayMs > 0) gateUntil = Number.POSITIVE_INFINITY;
        // Finishing a host can shrink `active`; pull the next one in.
        if (active.length < maxActiveHosts) pullHosts(now);
      }
      if (!progressed) break;
      limit = window.size;
      now = performance.now();
    }
    if (resourceLimited && inFlight === 0) {
      // Nothing of ours is open yet descriptors are short: someone else holds them. Wait, bounded.
      if (stalledSince < 0) stalledSince = now;
      if (now - stalledSince > RESOURCE_STALL_LIMIT_MS) {
        return fail(
          new EarshotError(
            'ERR_RESOURCE',
            'No file descriptor or source port became free for 10 s (EMFILE/EADDRNOTAVAIL): raise the open-files limit (ulimit -n) or close other programs.',
          ),
        );
      }
      return armPump(10);
    }
    stalledSince = -1;
    if (inFlight === 0 && active.length === 0 && hostsExhausted) {
      if (pendingDone > 0) options.onProbesDone?.(pendingDone);
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
    for (const state of [...active]) {
      if (state.deadline <= now) {
        closeHostProbes(state);
        finishHost(state, true);
      } else if (state.deadline < nextAt) nextAt = state.deadline;
    }
    for (let slot = 0; slot < slotCount; slot++) {
      if (slotHandle[slot] === null) continue;
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
    const slots = expired;
    expired = [];
    const lost = new Set<HostState>();
    for (const slot of slots) {
      const handle = slotHandle[slot];
      if (handle === null || handle === undefined) continue;
      const index = slotIndex[slot]!;
      const state = release(slot);
      handle.close();
      lost.add(state);
      if (state.done) continue;
      if (state.tries[index]! <= timing.maxRetries) requeue(state, index);
      else conclude(state, index, Outcome.noResponse);
    }
    // One loss event per host per sweep, as TCP halves once per window of losses.
    for (const state of lost) state.window.onLoss();
    pump();
  }

  function closeHostProbes(state: HostState) {
    for (let slot = 0; slot < slotCount; slot++) {
      if (slotHost[slot] !== state) continue;
      const handle = slotHandle[slot]!;
      release(slot);
      handle.close();
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
    for (let slot = 0; slot < slotCount; slot++) {
      const handle = slotHandle[slot];
      if (handle) {
        slotHandle[slot] = null;
        handle.close();
      }
    }
  }
}
