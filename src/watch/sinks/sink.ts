// Where events go besides the caller's own callback. watch queues every event for every sink in the
// store's outbox and an outbox runner hands them to the sink one at a time, in order, retrying with
// backoff: a sink only delivers one event, or throws.
import type { EarshotEvent } from '../../model.js';

/** A destination for events (a webhook, a command, syslog, the fleet agent's server). */
export interface Sink {
  /**
   * The name of the sink's queue in the store's outbox. Keep it stable across restarts (derive it
   * from the destination, e.g. `webhook:https://...`): a restarted watch delivers what the queue of
   * that name still holds.
   */
  readonly name: string;
  /** Delivers one event; resolves once the destination has it, throws (or rejects) otherwise. */
  deliver(event: EarshotEvent, signal: AbortSignal): Promise<void>;
}

/** A deadline that also ends when `signal` aborts; dispose() clears its timer. */
export function deadlineSignal(
  signal: AbortSignal,
  timeoutMs: number,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}
