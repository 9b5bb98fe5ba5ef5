// The wait of a delivery loop: a backoff that only the stop signal ends, or an idle wait that new
// work also ends. The outbox runner and the fleet agent's push queue share it.

/** Waits bound to one stop signal. */
export class WakeablePause {
  readonly #signal: AbortSignal;
  #wake: (() => void) | null = null;
  #woken = false;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  /** Ends the current wakeable wait, or the next one at once: there is new work. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Waits `ms` (less when `wakeable` and woken); false once the signal has aborted. */
  wait(ms: number, wakeable: boolean): Promise<boolean> {
    const signal = this.#signal;
    if (signal.aborted) return Promise.resolve(false);
    if (wakeable && this.#woken) {
      this.#woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#wake = null;
        signal.removeEventListener('abort', finish);
        this.#woken = false;
        resolve(!signal.aborted);
      };
      const timer = setTimeout(finish, ms);
      if (wakeable) this.#wake = finish;
      signal.addEventListener('abort', finish, { once: true });
    });
  }
}
