// The event log: every event watch emitted, in order, as the JSON it emitted. Appending an event
// also queues it in the outbox of every sink named, in the same transaction, so that an event is
// either recorded and queued for every sink or not recorded at all.
import type { Database, Statement } from 'better-sqlite3';
import type { EarshotEvent, Protocol } from '../model.js';

/** Which events to list: since a time, for a port or protocol. */
export interface EventQuery {
  since?: string;
  port?: number;
  protocol?: Protocol;
  limit?: number;
}

/** The events of one store. */
export class EventLog {
  readonly #db: Database;
  readonly #insert: Statement<[string, string, string, string | null, number | null, string]>;
  readonly #enqueue: Statement<[string, number]>;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO events (id, type, time, protocol, port, body) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#enqueue = db.prepare('INSERT OR IGNORE INTO outbox (sink, event_seq) VALUES (?, ?)');
  }

  /** Records an event and queues it for each sink named; returns its sequence number. */
  append(event: EarshotEvent, sinks: readonly string[]): number {
    const seq = Number(
      this.#insert.run(event.id, event.type, event.time, event.protocol, event.port, JSON.stringify(event))
        .lastInsertRowid,
    );
    for (const sink of sinks) this.#enqueue.run(sink, seq);
    return seq;
  }

  /** Recorded events, oldest first. */
  list(query: EventQuery = {}): EarshotEvent[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (query.since !== undefined) {
      where.push('time >= ?');
      values.push(query.since);
    }
    if (query.port !== undefined) {
      where.push('port = ?');
      values.push(query.port);
    }
    if (query.protocol !== undefined) {
      where.push('protocol = ?');
      values.push(query.protocol);
    }
    const sql = `SELECT body FROM events${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq${
      query.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : ''
    }`;
    return (this.#db.prepare(sql).all(...values) as { body: string }[]).map(
      (row) => JSON.parse(row.body) as EarshotEvent,
    );
  }
}
