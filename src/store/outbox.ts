// The outbox: for each sink (a webhook, a command, syslog, the fleet agent's server), the events it
// has not delivered yet. A sink takes them one at a time in the order they were recorded, and an
// event leaves its queue only once delivered, so a receiver that is down, or a watch that restarts,
// loses nothing. An event is marked delivered right after its delivery succeeds: only a crash in
// between can deliver it a second time (receivers can drop repeats by the event's id).
import type { Database, Statement } from 'better-sqlite3';
import type { EarshotEvent } from '../model.js';

/** An event waiting for one sink, with how often delivering it failed so far. */
export interface PendingDelivery {
  sink: string;
  seq: number;
  event: EarshotEvent;
  attempts: number;
  lastError: string | null;
}

interface PendingRow {
  seq: number;
  body: string;
  attempts: number;
  last_error: string | null;
}

function toPending(sink: string, row: PendingRow): PendingDelivery {
  return {
    sink,
    seq: row.seq,
    event: JSON.parse(row.body) as EarshotEvent,
    attempts: row.attempts,
    lastError: row.last_error,
  };
}

/** The delivery queues of one store. */
export class Outbox {
  readonly #next: Statement<[string], PendingRow>;
  readonly #nextBatch: Statement<[string, number], PendingRow>;
  readonly #refused: Statement<[string, string, string, number]>;
  readonly #delivered: Statement<[string, string, number]>;
  readonly #failed: Statement<[string, string, number]>;
  readonly #pending: Statement<[string], { count: number }>;
  readonly #enqueue: Statement<[string, number]>;

  constructor(db: Database) {
    this.#next = db.prepare(
      `SELECT o.event_seq AS seq, e.body AS body, o.attempts AS attempts, o.last_error AS last_error
       FROM outbox o JOIN events e ON e.seq = o.event_seq
       WHERE o.sink = ? AND o.delivered_at IS NULL ORDER BY o.event_seq LIMIT 1`,
    );
    this.#nextBatch = db.prepare(
      `SELECT o.event_seq AS seq, e.body AS body, o.attempts AS attempts, o.last_error AS last_error
       FROM outbox o JOIN events e ON e.seq = o.event_seq
       WHERE o.sink = ? AND o.delivered_at IS NULL ORDER BY o.event_seq LIMIT ?`,
    );
    this.#refused = db.prepare(
      'UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = ? WHERE sink = ? AND event_seq = ?',
    );
    this.#delivered = db.prepare(
      'UPDATE outbox SET delivered_at = ?, attempts = attempts + 1 WHERE sink = ? AND event_seq = ?',
    );
    this.#failed = db.prepare(
      'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE sink = ? AND event_seq = ?',
    );
    this.#pending = db.prepare(
      'SELECT count(*) AS count FROM outbox WHERE sink = ? AND delivered_at IS NULL',
    );
    this.#enqueue = db.prepare('INSERT OR IGNORE INTO outbox (sink, event_seq) VALUES (?, ?)');
  }

  /** The oldest event `sink` has not delivered, or null when its queue is empty. */
  next(sink: string): PendingDelivery | null {
    const row = this.#next.get(sink);
    return row ? toPending(sink, row) : null;
  }

  /** Up to `limit` of the oldest events `sink` has not delivered, oldest first (a sink that sends batches). */
  nextBatch(sink: string, limit: number): PendingDelivery[] {
    return this.#nextBatch.all(sink, Math.max(1, Math.floor(limit))).map((row) => toPending(sink, row));
  }

  /**
   * Takes an event out of `sink`'s queue undelivered, because the receiver refused it for good (a
   * body it will never take); `reason` stays in last_error, so a queue row with both delivered_at and
   * last_error left the queue without being delivered.
   */
  refused(sink: string, seq: number, at: string, reason: string): void {
    this.#refused.run(at, `refused: ${reason}`.slice(0, 1000), sink, seq);
  }

  /** Marks an event delivered to `sink`. */
  delivered(sink: string, seq: number, at: string): void {
    this.#delivered.run(at, sink, seq);
  }

  /** Records a failed attempt; the event stays first in the sink's queue. */
  failed(sink: string, seq: number, error: string): void {
    this.#failed.run(error.slice(0, 1000), sink, seq);
  }

  /** How many events `sink` has yet to deliver. */
  pending(sink: string): number {
    return this.#pending.get(sink)?.count ?? 0;
  }

  /** Queues an already recorded event (by its sequence number) for `sink`. */
  enqueue(sink: string, seq: number): void {
    this.#enqueue.run(sink, seq);
  }
}
