// Ingest: an agent's report and its events, each stored in one statement (the functions of
// migration 001), idempotent by report id and event id.
import type pg from 'pg';
import type { SnapshotRows } from '../snapshot-rows.js';
import { VERDICT_RANK } from '../snapshot-rows.js';

/** What became of a report: stored and applied, stored but older than the host's view, or already held. */
export type IngestOutcome = 'stored' | 'stored-older' | 'duplicate';

/** One report to store. `body` is the JSON text as it arrived. */
export interface ReportToStore {
  hostId: string;
  source: 'agent' | 'scan';
  reportId: string;
  takenAt: string;
  body: string;
  rows: SnapshotRows;
}

/** Stores one report and moves the host's view to it when it is the newest. */
export async function ingestReport(pool: pg.Pool, report: ReportToStore): Promise<IngestOutcome> {
  const { rows } = await pool.query<{ outcome: IngestOutcome }>(
    'SELECT earshot_ingest_report($1, $2, $3, $4, $5, $6, $7, $8, $9) AS outcome',
    [
      report.hostId,
      report.source,
      report.reportId,
      report.takenAt,
      report.body,
      JSON.stringify(report.rows.listeners),
      JSON.stringify(report.rows.findings),
      report.rows.worst,
      VERDICT_RANK[report.rows.worst],
    ],
  );
  return rows[0]!.outcome;
}

/** One event to store: its id (unique per host), type, time and the whole event. */
export interface EventToStore {
  eventUid: string;
  type: string;
  at: string;
  body: unknown;
}

/** Stores a host's events in order; returns how many were new. */
export async function ingestEvents(pool: pg.Pool, hostId: string, events: EventToStore[]): Promise<number> {
  const { rows } = await pool.query<{ stored: number }>('SELECT earshot_ingest_events($1, $2) AS stored', [
    hostId,
    JSON.stringify(events),
  ]);
  return rows[0]!.stored;
}
