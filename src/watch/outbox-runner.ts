// Hands one sink the events its outbox queue holds: the oldest first, the next only once the first
// is delivered, a failure retried after a backoff that doubles up to a ceiling. The queue lives in the
// store, so what a sink has not delivered when watch stops is delivered after the next start.
import type { Store } from '../store/store.js';
import type { Sink } from './sinks/sink.js';
import { WakeablePause } from './wakeable-pause.js';

/** Options of an outbox runner. */
export interface OutboxRunnerOptions {
  /** The first retry's delay (default 1 s); it doubles with each failure in a row. */
  minBackoffMs?: number;
  /** The longest delay between retries (default 60 s). */
  maxBackoffMs?: number;
  /** How long a stop waits for a delivery in flight before aborting it (default 5 s). */
  stopGraceMs?: number;
  /** Told of each failed delivery (the event stays queued). */
  onFailure?: (sink: string, error: unknown, attempts: number) => void;
}

// How long a stop waits for a delivery in flight, by default. Aborting it at once sent the event
// twice when the receiver had already taken it (it stays queued, and goes again after the next
// start): a stop in normal operation waits for the answer, up to this long.
const STOP_GRACE_MS = 5000;

/** Delivers one sink's queue until stopped. */
export class OutboxRunner {
  readonly sink: Sink;
  readonly #store: Store;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #onFailure: OutboxRunnerOptions['onFailure'];
  readonly #stopGraceMs: number;
  // Stops the loop and its pauses; a delivery in flight ends on its own signal, a grace later.
  readonly #controller = new AbortController();
  readonly #delivery = new AbortController();
  readonly #pauses = new WakeablePause(this.#controller.signal);
  #backoffMs = 0;
  /** Resolves when the runner stopped. */
  readonly done: Promise<void>;

  constructor(store: Store, sink: Sink, options: OutboxRunnerOptions = {}) {
    this.sink = sink;
    this.#store = store;
    this.#minBackoffMs = options.minBackoffMs ?? 1000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.#onFailure = options.onFailure;
    this.#stopGraceMs = options.stopGraceMs ?? STOP_GRACE_MS;
    this.done = this.#run();
  }

  /** Says new events are queued. */
  wake(): void {
    this.#pauses.wake();
  }

  /** True while the sink's last delivery failed and the runner waits to retry. */
  get failing(): boolean {
    return this.#backoffMs > 0;
  }

  /**
   * Stops: no new delivery starts; one in flight gets `stopGraceMs` to finish (then it is aborted
   * and stays queued).
   */
  async stop(): Promise<void> {
    this.#controller.abort(new Error('watch stopped'));
    const grace = setTimeout(() => this.#delivery.abort(new Error('watch stopped')), this.#stopGraceMs);
    try {
      await this.done;
    } finally {
      clearTimeout(grace);
    }
  }

  /** Waits up to `ms` (or until woken when `wakeable`); false once stopped. */
  #pause(ms: number, wakeable: boolean): Promise<boolean> {
    return this.#pauses.wait(ms, wakeable);
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    const name = this.sink.name;
    while (!signal.aborted) {
      let pending: ReturnType<Store['outbox']['next']>;
      try {
        pending = this.#store.read('reading the outbox', () => this.#store.outbox.next(name));
      } catch (error) {
        this.#onFailure?.(name, error, 0);
        if (!(await this.#pause(this.#maxBackoffMs, false))) return;
        continue;
      }
      if (pending === null) {
        // Woken by new events; the timeout only guards against a missed wake-up.
        if (!(await this.#pause(60_000, true))) return;
        continue;
      }
      try {
        await this.sink.deliver(pending.event, this.#delivery.signal);
      } catch (error) {
        if (this.#delivery.signal.aborted) return;
        const attempts = pending.attempts + 1;
        try {
          this.#store.write('recording a failed delivery', () =>
            this.#store.outbox.failed(
              name,
              pending.seq,
              error instanceof Error ? error.message : String(error),
            ),
          );
        } catch {
          // The attempt count is only informative; the event stays queued either way.
        }
        this.#onFailure?.(name, error, attempts);
        this.#backoffMs = Math.min(this.#maxBackoffMs, Math.max(this.#minBackoffMs, this.#backoffMs * 2));
        if (!(await this.#pause(this.#backoffMs, false))) return;
        continue;
      }
      this.#backoffMs = 0;
      try {
        this.#store.write('recording a delivery', () =>
          this.#store.outbox.delivered(name, pending.seq, new Date().toISOString()),
        );
      } catch (error) {
        // Not recorded: the event will be delivered again after a retry (receivers drop it by id).
        this.#onFailure?.(name, error, pending.attempts + 1);
        if (!(await this.#pause(this.#maxBackoffMs, false))) return;
      }
    }
  }

  /** Delivers what is queued until the queue is empty, the sink fails, or `deadlineMs` passes. */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until && !this.#controller.signal.aborted) {
      if (this.failing) return;
      const left = this.#store.read('reading the outbox', () => this.#store.outbox.pending(this.sink.name));
      if (left === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
