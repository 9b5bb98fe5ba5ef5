// Listener intervals: one row from when watch saw an endpoint listening until it closed, with the
// owners it had over time. A listener still open when watch stops keeps its open row, so the next
// watch continues the same interval.
import type { Database, Statement } from 'better-sqlite3';
import type { Owner, Protocol } from '../model.js';

/** An open listener interval as the store keeps it. */
export interface StoredListener {
  id: number;
  protocol: Protocol;
  address: string;
  port: number;
  /** The socket inodes seen at this endpoint: a change of every one is a new listener. */
  inodes: number[];
  owners: Owner[];
  openedAt: string;
}

/** What a new interval starts with. */
export type NewListener = Omit<StoredListener, 'id'>;

interface ListenerRow {
  id: number;
  protocol: Protocol;
  address: string;
  port: number;
  inodes: string;
  owners: string;
  opened_at: string;
}

/** The listener intervals of one store. */
export class ListenerIntervals {
  readonly #open: Statement<[], ListenerRow>;
  readonly #insert: Statement<[string, string, number, string, string, string]>;
  readonly #addOwners: Statement<[number, string, string]>;
  readonly #close: Statement<[string, number]>;
  readonly #update: Statement<[string, string, number]>;

  constructor(db: Database) {
    this.#open = db.prepare(
      'SELECT id, protocol, address, port, inodes, owners, opened_at FROM listeners WHERE closed_at IS NULL ORDER BY id',
    );
    this.#insert = db.prepare(
      'INSERT INTO listeners (protocol, address, port, inodes, owners, opened_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#addOwners = db.prepare('INSERT INTO listener_owners (listener_id, since, owners) VALUES (?, ?, ?)');
    this.#close = db.prepare('UPDATE listeners SET closed_at = ? WHERE id = ? AND closed_at IS NULL');
    this.#update = db.prepare('UPDATE listeners SET inodes = ?, owners = ? WHERE id = ?');
  }

  /** Every interval not yet closed. */
  open(): StoredListener[] {
    return this.#open.all().map((row) => ({
      id: row.id,
      protocol: row.protocol,
      address: row.address,
      port: row.port,
      inodes: JSON.parse(row.inodes) as number[],
      owners: JSON.parse(row.owners) as Owner[],
      openedAt: row.opened_at,
    }));
  }

  /** Starts an interval; returns its id. */
  opened(listener: NewListener): number {
    const owners = JSON.stringify(listener.owners);
    const id = Number(
      this.#insert.run(
        listener.protocol,
        listener.address,
        listener.port,
        JSON.stringify(listener.inodes),
        owners,
        listener.openedAt,
      ).lastInsertRowid,
    );
    this.#addOwners.run(id, listener.openedAt, owners);
    return id;
  }

  /** Ends an interval. */
  closed(id: number, closedAt: string): void {
    this.#close.run(closedAt, id);
  }

  /** Records the sockets and owners an open interval has now; a new owner set also joins its history. */
  changed(id: number, change: { inodes: number[]; owners: Owner[]; ownersSince?: string }): void {
    const owners = JSON.stringify(change.owners);
    this.#update.run(JSON.stringify(change.inodes), owners, id);
    if (change.ownersSince !== undefined) this.#addOwners.run(id, change.ownersSince, owners);
  }
}
