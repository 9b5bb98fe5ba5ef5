// The agent's queue as the store keeps it: one outbox queue that watch fills for this server, read a
// batch at a time, what became of each event written back (delivered, refused for good with the
// server's reason, a failed attempt), and the verify reports those events name. The push queue
// decides what to send and when; this reads and writes its queue.
import { stringifySafeJson } from '../../report/safe-json.js';
import type { PendingDelivery } from '../../store/outbox.js';
import type { Store } from '../../store/store.js';
import type { StoredVerifyRun } from '../../store/verify-runs.js';

/** One outbox queue of the store, as the agent reads and records it. */
export class AgentOutbox {
  readonly #store: Store;
  readonly #queue: string;

  constructor(store: Store, queue: string) {
    this.#store = store;
    this.#queue = queue;
  }

  /** Events the server has yet to get. */
  pending(): number {
    return this.#store.read('reading the outbox', () => this.#store.outbox.pending(this.#queue));
  }

  /** The oldest events not yet delivered, `limit` at most. */
  nextBatch(limit: number): PendingDelivery[] {
    return this.#store.read('reading the outbox', () => this.#store.outbox.nextBatch(this.#queue, limit));
  }

  /** Records events the server took; they leave the queue. */
  delivered(items: readonly PendingDelivery[]): void {
    const at = new Date().toISOString();
    this.#store.write('recording a push', () => {
      for (const item of items) this.#store.outbox.delivered(this.#queue, item.seq, at);
    });
  }

  /** Records events the server refused for good, with its reason; they leave the queue. */
  refused(items: readonly PendingDelivery[], reason: string): void {
    const at = new Date().toISOString();
    this.#store.write('recording a refused push', () => {
      for (const item of items) this.#store.outbox.refused(this.#queue, item.seq, at, reason);
    });
  }

  /** Counts a failed attempt at the queue's head; never throws. */
  failed(head: PendingDelivery, reason: string): void {
    try {
      this.#store.write('recording a failed push', () =>
        this.#store.outbox.failed(this.#queue, head.seq, reason),
      );
    } catch {
      // The attempt count is only informative; the event stays queued either way.
    }
  }

  /** The verify run the store kept under `reportId`, or null once it was pruned. */
  verifyRun(reportId: string): StoredVerifyRun | null {
    return this.#store.read('reading a verify report', () => this.#store.verifyRuns.get(reportId));
  }
}

/**
 * The head of `batch` that one push of events carries, and its body: up to `maxBytes` of JSON (the
 * head always), ending before the next verify event, which opens a batch of its own so that its
 * report goes just before it. Each event is serialized once, for its size and for the body.
 */
export function eventsBody(
  batch: readonly PendingDelivery[],
  maxBytes: number,
): { items: PendingDelivery[]; body: string } {
  const items: PendingDelivery[] = [];
  const parts: string[] = [];
  let bytes = 0;
  for (const item of batch) {
    if (items.length > 0 && item.event.type === 'verify') break;
    const part = stringifySafeJson({ eventId: item.event.id, event: item.event }, 0);
    bytes += part.length + 1;
    if (items.length > 0 && bytes > maxBytes) break;
    items.push(item);
    parts.push(part);
  }
  return { items, body: `{"events":[${parts.join(',')}]}` };
}
