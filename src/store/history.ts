// The timeline `earshot history` prints: the listener and finding intervals that overlap a window,
// and the events in it.
import type { Database } from 'better-sqlite3';
import type { Finding, HistoryFinding, HistoryListener, Owner, Protocol } from '../model.js';
import { EventLog } from './event-log.js';

/** Which part of the history to read. */
export interface HistoryQuery {
  /** The start of the window (ISO 8601): every interval that was open at or after it is listed. */
  since: string;
  port?: number;
  protocol?: Protocol;
}

/** The timeline's three lists, oldest first. */
export interface Timeline {
  listeners: HistoryListener[];
  findings: HistoryFinding[];
  events: ReturnType<EventLog['list']>;
}

function endpointFilter(query: HistoryQuery): { sql: string; values: (string | number)[] } {
  let sql = '';
  const values: (string | number)[] = [];
  if (query.port !== undefined) {
    sql += ' AND port = ?';
    values.push(query.port);
  }
  if (query.protocol !== undefined) {
    sql += ' AND protocol = ?';
    values.push(query.protocol);
  }
  return { sql, values };
}

/** Reads the timeline of `query` from an open store's database. */
export function readTimeline(db: Database, query: HistoryQuery): Timeline {
  const filter = endpointFilter(query);
  const listenerRows = db
    .prepare(
      `SELECT id, protocol, address, port, owners, opened_at, closed_at FROM listeners
       WHERE (closed_at IS NULL OR closed_at >= ?)${filter.sql} ORDER BY opened_at, id`,
    )
    .all(query.since, ...filter.values) as {
    id: number;
    protocol: Protocol;
    address: string;
    port: number;
    owners: string;
    opened_at: string;
    closed_at: string | null;
  }[];
  const ownerRows = db.prepare(
    'SELECT since, owners FROM listener_owners WHERE listener_id = ? ORDER BY rowid',
  );
  const listeners = listenerRows.map((row) => ({
    protocol: row.protocol,
    port: row.port,
    address: row.address,
    owners: JSON.parse(row.owners) as Owner[],
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    ownerHistory: (ownerRows.all(row.id) as { since: string; owners: string }[]).map((owners) => ({
      since: owners.since,
      owners: JSON.parse(owners.owners) as Owner[],
    })),
  }));
  const findingRows = db
    .prepare(
      `SELECT source, body, first_seen_at, last_seen_at, cleared_at FROM findings
       WHERE (cleared_at IS NULL OR cleared_at >= ?)${filter.sql} ORDER BY first_seen_at, id`,
    )
    .all(query.since, ...filter.values) as {
    source: 'watch' | 'verify';
    body: string;
    first_seen_at: string;
    last_seen_at: string;
    cleared_at: string | null;
  }[];
  const findings = findingRows.map((row) => ({
    ...(JSON.parse(row.body) as Finding),
    source: row.source,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    clearedAt: row.cleared_at,
  }));
  const events = new EventLog(db).list({
    since: query.since,
    ...(query.port !== undefined ? { port: query.port } : {}),
    ...(query.protocol !== undefined ? { protocol: query.protocol } : {}),
  });
  return { listeners, findings, events };
}
