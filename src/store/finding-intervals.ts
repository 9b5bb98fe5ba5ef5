// Finding intervals: one row from the first verify that found a finding until the first one that
// no longer did. The open rows are "the previous verify's findings" that the next verify is held
// against, also across a restart of watch.
import type { Database, Statement } from 'better-sqlite3';
import type { Finding } from '../model.js';
import type { VerifyRunSource } from './verify-runs.js';

/** An open finding interval. */
export interface StoredFinding {
  id: number;
  /** kind, protocol, address and port: what makes two verify runs' findings the same one. */
  key: string;
  finding: Finding;
  firstSeenAt: string;
}

/** The identity of a finding across verify runs. */
export function findingKey(finding: Pick<Finding, 'kind' | 'protocol' | 'address' | 'port'>): string {
  return `${finding.kind} ${finding.protocol} ${finding.address} ${finding.port}`;
}

interface FindingRow {
  id: number;
  key: string;
  body: string;
  first_seen_at: string;
}

/** The finding intervals of one store. */
export class FindingIntervals {
  readonly #open: Statement<[string], FindingRow>;
  readonly #insert: Statement<
    [string, string, string, string, string, number, string, string, string, string]
  >;
  readonly #seen: Statement<[string, string, string, number]>;
  readonly #clear: Statement<[string, number]>;

  constructor(db: Database) {
    this.#open = db.prepare(
      'SELECT id, key, body, first_seen_at FROM findings WHERE source = ? AND cleared_at IS NULL ORDER BY id',
    );
    this.#insert = db.prepare(
      `INSERT INTO findings (source, key, kind, severity, protocol, port, address, body, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#seen = db.prepare('UPDATE findings SET body = ?, severity = ?, last_seen_at = ? WHERE id = ?');
    this.#clear = db.prepare('UPDATE findings SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL');
  }

  /** Every finding the last verify of `source` still had. */
  open(source: VerifyRunSource): StoredFinding[] {
    return this.#open.all(source).map((row) => ({
      id: row.id,
      key: row.key,
      finding: JSON.parse(row.body) as Finding,
      firstSeenAt: row.first_seen_at,
    }));
  }

  /** Starts the interval of a finding no earlier verify had open. */
  found(source: VerifyRunSource, finding: Finding, at: string): number {
    const body = JSON.stringify(finding);
    const key = findingKey(finding);
    return Number(
      this.#insert.run(
        source,
        key,
        finding.kind,
        finding.severity,
        finding.protocol,
        finding.port,
        finding.address,
        body,
        at,
        at,
      ).lastInsertRowid,
    );
  }

  /** A later verify found it again (its message or evidence may read differently now). */
  seen(id: number, finding: Finding, at: string): void {
    this.#seen.run(JSON.stringify(finding), finding.severity, at, id);
  }

  /** A verify no longer found it. */
  cleared(id: number, at: string): void {
    this.#clear.run(at, id);
  }
}
