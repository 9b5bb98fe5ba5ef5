// Whole verify reports, kept as verify's JSON prints them: watch's periodic runs and
// `earshot verify --save`. A report's id is what watch's `verify` event and the fleet agent's
// snapshot name it by.
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { VerifyReport } from '../model.js';

/** Who ran a stored verify. */
export type VerifyRunSource = 'watch' | 'verify';

/** A stored verify report. */
export interface StoredVerifyRun {
  id: string;
  source: VerifyRunSource;
  report: VerifyReport;
}

interface RunRow {
  id: string;
  source: VerifyRunSource;
  report: string;
}

/** The verify runs of one store. */
export class VerifyRuns {
  readonly #insert: Statement<[string, string, string, string, string]>;
  readonly #get: Statement<[string], RunRow>;
  readonly #latest: Statement<[], RunRow>;

  constructor(db: Database) {
    this.#insert = db.prepare(
      'INSERT INTO verify_runs (id, source, started_at, ended_at, report) VALUES (?, ?, ?, ?, ?)',
    );
    this.#get = db.prepare('SELECT id, source, report FROM verify_runs WHERE id = ?');
    this.#latest = db.prepare('SELECT id, source, report FROM verify_runs ORDER BY seq DESC LIMIT 1');
  }

  /** Keeps a report; returns its new id (a random UUID). */
  save(report: VerifyReport, source: VerifyRunSource): string {
    const id = randomUUID();
    this.#insert.run(id, source, report.stats.startedAt, report.stats.endedAt, JSON.stringify(report));
    return id;
  }

  /** The report stored under `id`, or null. */
  get(id: string): StoredVerifyRun | null {
    const row = this.#get.get(id);
    return row ? parse(row) : null;
  }

  /** The report stored last, or null. */
  latest(): StoredVerifyRun | null {
    const row = this.#latest.get();
    return row ? parse(row) : null;
  }
}

function parse(row: RunRow): StoredVerifyRun {
  return { id: row.id, source: row.source, report: JSON.parse(row.report) as VerifyReport };
}
