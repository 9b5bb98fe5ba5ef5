// One open history store: its tables as objects, transactions that turn SQLite's failures into
// earshot errors naming the file, the writer claim that keeps two watches off one file, pruning.
import type { Database } from 'better-sqlite3';
import { EarshotError } from '../errors.js';
import { EventLog } from './event-log.js';
import { FindingIntervals } from './finding-intervals.js';
import { type HistoryQuery, readTimeline, type Timeline } from './history.js';
import { ListenerIntervals } from './listener-intervals.js';
import { Outbox } from './outbox.js';
import { storeError } from './store-errors.js';
import { VerifyRuns } from './verify-runs.js';

/** The process that writes to a store (earshot watch), recorded so that a second one is refused. */
export interface WriterClaim {
  pid: number;
  /** The process's start time, so that a reused pid is not taken for the writer. */
  startTime: string | null;
  since: string;
}

/** What pruning removed. */
export interface PruneCounts {
  listeners: number;
  events: number;
  findings: number;
  verifyRuns: number;
}

/** An open history store (see openStore). */
export class Store {
  /** The database file (`:memory:` for a store that lives only as long as the process). */
  readonly path: string;
  readonly readOnly: boolean;
  readonly listeners: ListenerIntervals;
  readonly findings: FindingIntervals;
  readonly events: EventLog;
  readonly outbox: Outbox;
  readonly verifyRuns: VerifyRuns;
  readonly #db: Database;
  readonly #onClose: (() => void) | null;
  #closed = false;

  constructor(db: Database, path: string, readOnly: boolean, onClose: (() => void) | null = null) {
    this.#db = db;
    this.#onClose = onClose;
    this.path = path;
    this.readOnly = readOnly;
    this.listeners = new ListenerIntervals(db);
    this.findings = new FindingIntervals(db);
    this.events = new EventLog(db);
    this.outbox = new Outbox(db);
    this.verifyRuns = new VerifyRuns(db);
  }

  /** True once close() ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `fn` in one write transaction (all of it or none); failures become ERR_STORE_* errors. */
  write<T>(doing: string, fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (error) {
      throw storeError(this.path, error, doing);
    }
  }

  /** Runs `fn`, a read; failures become ERR_STORE_* errors. */
  read<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw storeError(this.path, error, doing);
    }
  }

  /** The listener and finding intervals overlapping a window, and its events. */
  history(query: HistoryQuery): Timeline {
    return this.read('reading the history', () => readTimeline(this.#db, query));
  }

  /**
   * Records this process as the store's writer. Throws ERR_STORE_LOCKED when another writer is
   * recorded and `isAlive` says it still runs (a writer killed with -9 leaves a claim that is taken over).
   */
  claimWriter(claim: WriterClaim, isAlive: (other: WriterClaim) => boolean): void {
    this.write('claiming the store for this watch', () => {
      const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'writer'").get() as
        | { value: string }
        | undefined;
      const other = row ? (JSON.parse(row.value) as WriterClaim) : null;
      if (other && other.pid !== claim.pid && isAlive(other)) {
        throw new EarshotError(
          'ERR_STORE_LOCKED',
          `The history store "${this.path}" is in use by another earshot watch (pid ${other.pid}, since ${other.since}): stop that one first, or give --db another file.`,
        );
      }
      this.#db
        .prepare(
          "INSERT INTO meta (key, value) VALUES ('writer', ?) ON CONFLICT (key) DO UPDATE SET value = ?",
        )
        .run(JSON.stringify(claim), JSON.stringify(claim));
    });
  }

  /** Removes this process's writer claim. */
  releaseWriter(pid: number): void {
    this.write('releasing the store', () => {
      this.#db.prepare("DELETE FROM meta WHERE key = 'writer' AND json_extract(value, '$.pid') = ?").run(pid);
    });
  }

  /** Removes closed intervals, events and verify runs that ended before `before` (ISO 8601). */
  prune(before: string): PruneCounts {
    return this.write('pruning old history', () => ({
      listeners: this.#db
        .prepare('DELETE FROM listeners WHERE closed_at IS NOT NULL AND closed_at < ?')
        .run(before).changes,
      events: this.#db.prepare('DELETE FROM events WHERE time < ?').run(before).changes,
      findings: this.#db
        .prepare('DELETE FROM findings WHERE cleared_at IS NOT NULL AND cleared_at < ?')
        .run(before).changes,
      verifyRuns: this.#db.prepare('DELETE FROM verify_runs WHERE ended_at < ?').run(before).changes,
    }));
  }

  /** SQLite's own check of the whole file: ['ok'] when sound. */
  integrityCheck(): string[] {
    return this.read('checking the database', () =>
      (this.#db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check),
    );
  }

  /** Closes the database (committing the write-ahead log into the file); safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (!this.readOnly) this.#db.pragma('optimize');
    } finally {
      this.#db.close();
      this.#onClose?.();
    }
  }
}
