// Scan timing shared by the TCP and UDP engines: nmap-style presets, an RTT estimator that sets the
// probe timeout, a congestion-style window of probes in flight, and a rate limit.
import { EarshotError } from '../../errors.js';

/** Every knob of scan timing; presets fill them, options override one by one. */
export interface TimingOptions {
  /** Timeout of the first probe to a host, before any RTT was measured. */
  initialRttMs: number;
  /** Bounds of the per-probe timeout computed as srtt + 4·rttvar (RFC 6298). */
  minRttMs: number;
  maxRttMs: number;
  /** Extra tries for a port that stayed silent. */
  maxRetries: number;
  /** Probes in flight at most (all hosts together), and at the start. */
  maxWindow: number;
  initialWindow: number;
  /** Probes started per second at most; 0 for no limit. */
  maxRate: number;
  /** Pause between probes (T0–T2 serialise the scan this way); 0 for none. */
  scanDelayMs: number;
  /** Give up on a host after this long; 0 for never. */
  hostTimeoutMs: number;
}

/** nmap's timing template names, -T0..-T5. */
export type TimingPreset = 0 | 1 | 2 | 3 | 4 | 5;

const PRESETS: readonly TimingOptions[] = [
  // T0 paranoid, T1 sneaky, T2 polite: one probe at a time with a pause, like nmap's scan delay.
  {
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    maxRetries: 10,
    maxWindow: 1,
    initialWindow: 1,
    maxRate: 0,
    scanDelayMs: 300_000,
    hostTimeoutMs: 0,
  },
  {
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    maxRetries: 10,
    maxWindow: 1,
    initialWindow: 1,
    maxRate: 0,
    scanDelayMs: 15_000,
    hostTimeoutMs: 0,
  },
  {
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    maxRetries: 10,
    maxWindow: 1,
    initialWindow: 1,
    maxRate: 0,
    scanDelayMs: 400,
    hostTimeoutMs: 0,
  },
  // T3 normal (the default). Windows stay modest: on loopback a full -p- costs ~25% more CPU at a
  // window of 8192 than at 128-512 (more live sockets in the kernel's tables and caches).
  {
    initialRttMs: 1000,
    minRttMs: 100,
    maxRttMs: 10_000,
    maxRetries: 2,
    maxWindow: 512,
    initialWindow: 64,
    maxRate: 0,
    scanDelayMs: 0,
    hostTimeoutMs: 0,
  },
  // T4 aggressive.
  {
    initialRttMs: 500,
    minRttMs: 100,
    maxRttMs: 1250,
    maxRetries: 2,
    maxWindow: 1024,
    initialWindow: 256,
    maxRate: 0,
    scanDelayMs: 0,
    hostTimeoutMs: 0,
  },
  // T5 insane.
  {
    initialRttMs: 250,
    minRttMs: 50,
    maxRttMs: 300,
    maxRetries: 1,
    maxWindow: 2048,
    initialWindow: 1024,
    maxRate: 0,
    scanDelayMs: 0,
    hostTimeoutMs: 900_000,
  },
];

/** The full timing of a preset (default -T3) with `overrides` applied and checked. */
export function resolveTiming(
  preset: TimingPreset = 3,
  overrides: Partial<TimingOptions> = {},
): Readonly<TimingOptions> {
  const base = PRESETS[preset];
  if (!base) throw new EarshotError('ERR_OPTION', `Invalid timing template -T${preset}: use -T0 to -T5.`);
  const timing: TimingOptions = { ...base };
  for (const [key, value] of Object.entries(overrides) as [keyof TimingOptions, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new EarshotError('ERR_OPTION', `Invalid timing value ${key}=${value}: give a number ≥ 0.`);
    }
    timing[key] = value;
  }
  timing.maxWindow = Math.max(1, Math.floor(timing.maxWindow));
  timing.initialWindow = Math.min(timing.maxWindow, Math.max(1, Math.floor(timing.initialWindow)));
  timing.maxRetries = Math.floor(timing.maxRetries);
  if (timing.minRttMs > timing.maxRttMs) timing.minRttMs = timing.maxRttMs;
  return timing;
}

/** Parses a duration like nmap's: `500ms`, `30s`, `5m`, `1h`, or bare seconds (`2.5`). */
export function parseDurationMs(text: string, optionName: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${optionName} "${text}": write a duration such as 500ms, 30s, 5m or 1h.`,
    );
  }
  const scale = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Math.round(Number(match[1]) * scale);
}

/** Smoothed RTT and variance of one host (RFC 6298), giving the timeout for its next probe. */
export class RttEstimator {
  #srtt = -1;
  #rttvar = 0;
  readonly #timing: Readonly<TimingOptions>;
  readonly #floorMs: number;

  /** `floorMs` raises the lower bound (IPv6 needs ~1.5 s to see ICMPv6 errors, see docs/netns.md). */
  constructor(timing: Readonly<TimingOptions>, floorMs = 0) {
    this.#timing = timing;
    this.#floorMs = floorMs;
  }

  /** Feeds one measured round trip (only of first tries: Karn's rule). */
  sample(rttMs: number): void {
    if (this.#srtt < 0) {
      this.#srtt = rttMs;
      this.#rttvar = rttMs / 2;
      return;
    }
    this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - rttMs);
    this.#srtt = 0.875 * this.#srtt + 0.125 * rttMs;
  }

  /** The current probe timeout: srtt + 4·rttvar within [minRtt, maxRtt], initialRtt before samples. */
  timeoutMs(): number {
    const { initialRttMs, minRttMs, maxRttMs } = this.#timing;
    const raw = this.#srtt < 0 ? initialRttMs : this.#srtt + 4 * this.#rttvar;
    return Math.max(this.#floorMs, Math.min(maxRttMs, Math.max(minRttMs, raw)));
  }

  /** The smoothed RTT, or null before the first sample. */
  get srttMs(): number | null {
    return this.#srtt < 0 ? null : this.#srtt;
  }
}

/** A TCP-like congestion window over probes in flight: slow start, then +1/window, halved on loss. */
export class ProbeWindow {
  #size: number;
  #threshold: number;
  #ceiling: number;
  readonly #max: number;

  constructor(timing: Readonly<TimingOptions>) {
    this.#max = timing.maxWindow;
    this.#ceiling = timing.maxWindow;
    this.#size = timing.initialWindow;
    this.#threshold = timing.maxWindow;
  }

  /** Probes that may be in flight now. */
  get size(): number {
    return Math.max(1, Math.min(this.#ceiling, Math.floor(this.#size)));
  }

  /** An answer came back: grow; a resource ceiling creeps back up (+1 per ceiling's worth of answers). */
  onAnswer(): void {
    this.#size += this.#size < this.#threshold ? 1 : 1 / this.#size;
    if (this.#size > this.#max) this.#size = this.#max;
    if (this.#ceiling < this.#max) this.#ceiling = Math.min(this.#max, this.#ceiling + 1 / this.#ceiling);
  }

  /** A probe was lost: halve, as TCP does on loss. */
  onLoss(): void {
    this.#threshold = Math.max(2, this.#size / 2);
    this.#size = this.#threshold;
  }

  /**
   * The system ran out of descriptors or ports (EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS) with
   * `inFlight` probes open: stay below what fitted, minus a margin, until answers raise it again.
   */
  onResourceLimit(inFlight: number): void {
    this.#ceiling = Math.max(1, Math.floor(inFlight * 0.9));
    if (this.#size > this.#ceiling) this.#size = this.#ceiling;
  }
}

/** A token bucket for --max-rate: how long to wait before the next probe may start. */
export class RateLimiter {
  readonly #ratePerMs: number;
  #startedAt = -1;
  #sent = 0;

  constructor(maxRatePerSecond: number) {
    this.#ratePerMs = maxRatePerSecond / 1000;
  }

  /** Milliseconds until one more probe may go at `nowMs` (0: now); counts it when 0. */
  delayMs(nowMs: number): number {
    if (this.#ratePerMs <= 0) return 0;
    if (this.#startedAt < 0) this.#startedAt = nowMs;
    const allowed = (nowMs - this.#startedAt) * this.#ratePerMs + 1;
    if (this.#sent < allowed) {
      this.#sent++;
      return 0;
    }
    return Math.max(1, Math.ceil((this.#sent + 1 - allowed) / this.#ratePerMs));
  }
}

const RESOURCE_STALL_LIMIT_MS = 10_000;

/**
 * Descriptors or source ports short while none of the engine's own probes is open: someone else
 * holds them. The engine waits and retries, bounded: after 10 s it gives up with ERR_RESOURCE.
 */
export class ResourceStall {
  #since = -1;

  /** Nothing could start and nothing of ours is open; the error to fail with once the wait is over. */
  stalled(now: number): EarshotError | null {
    if (this.#since < 0) this.#since = now;
    if (now - this.#since <= RESOURCE_STALL_LIMIT_MS) return null;
    return new EarshotError(
      'ERR_RESOURCE',
      'No file descriptor or source port became free for 10 s (EMFILE/EADDRNOTAVAIL): raise the open-files limit (ulimit -n) or close other programs.',
    );
  }

  /** A probe could start (or ours hold the descriptors): the wait is over. */
  clear(): void {
    this.#since = -1;
  }
}

/** Splits the window and rate of `timing` among `parts` threads. */
export function shareTiming(timing: Readonly<TimingOptions>, parts: number): TimingOptions {
  return {
    ...timing,
    maxWindow: Math.max(1, Math.ceil(timing.maxWindow / parts)),
    initialWindow: Math.max(1, Math.ceil(timing.initialWindow / parts)),
    maxRate: timing.maxRate / parts,
  };
}
