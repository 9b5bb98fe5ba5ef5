// What the read API and the dashboard show: hosts, one host in full, a port across the fleet,
// findings, events; and acknowledging a finding. Every value arrives as a parameter.
import type pg from 'pg';
import { inTransaction } from './connect.js';

/** A host on the fleet page. */
export interface HostSummary {
  name: string;
  lastSeenAt: string | null;
  lastReportAt: string | null;
  silent: boolean;
  listenerCount: number;
  worstVerdict: string;
  openFindings: number;
}

// An agent not heard from for $1 ms (the server's silentAfterMs), or never.
const SILENT = '(h.last_seen_at IS NULL OR h.last_seen_at < now() - make_interval(secs => $1 / 1000.0))';

const HOST_SUMMARY = `
  SELECT h.name,
         h.last_seen_at AS "lastSeenAt",
         v.last_report_at AS "lastReportAt",
         ${SILENT} AS silent,
         coalesce(v.listener_count, 0) AS "listenerCount",
         coalesce(v.worst_verdict, 'unknown') AS "worstVerdict",
         coalesce(v.worst_rank, -1) AS "worstRank",
         (SELECT count(*)::int FROM findings f WHERE f.host_id = h.id AND f.resolved_at IS NULL) AS "openFindings"
    FROM hosts h LEFT JOIN host_views v ON v.host_id = h.id AND v.source = 'agent'`;

function timestamps<T extends Record<string, unknown>>(row: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row))
    out[key] = value instanceof Date ? value.toISOString() : value;
  return out as T;
}

/** Every host (or one page of them): silent agents first, then the worst verdicts, then by name. */
export async function listHosts(
  pool: pg.Pool,
  silentAfterMs: number,
  page?: { limit: number; offset: number },
): Promise<HostSummary[]> {
  const paging = page ? ' LIMIT $2 OFFSET $3' : '';
  const { rows } = await pool.query(
    `${HOST_SUMMARY} ORDER BY silent DESC, "worstRank" DESC, h.name${paging}`,
    page ? [silentAfterMs, page.limit, page.offset] : [silentAfterMs],
  );
  return rows.map(({ worstRank: _rank, ...row }) => timestamps(row) as HostSummary);
}

/** How many hosts the fleet has, and how many of their agents are silent. */
export async function countHosts(
  pool: pg.Pool,
  silentAfterMs: number,
): Promise<{ hosts: number; silent: number }> {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS hosts,
            count(*) FILTER (WHERE ${SILENT})::int AS silent
       FROM hosts h`,
    [silentAfterMs],
  );
  return rows[0] as { hosts: number; silent: number };
}

/** A current listener of a host. */
export interface ListenerView {
  host?: string;
  protocol: string;
  address: string;
  port: number;
  inKernelTable: boolean;
  verdict: string;
  summary: string;
  owners: unknown[];
  ownerNames: string;
  service: string;
  since: string;
}

const LISTENER_COLUMNS = `l.protocol, l.address, l.port, l.in_kernel_table AS "inKernelTable", l.verdict,
  l.summary, l.owners, l.owner_names AS "ownerNames", l.service, l.since`;

/** A finding with where it is and whether someone acknowledged it. */
export interface FindingView {
  id: string;
  host: string;
  kind: string;
  severity: string;
  protocol: string;
  address: string;
  port: number;
  message: string;
  advice: string;
  evidence: { witness: string; detail: string }[];
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  ackedBy: string | null;
  ackedAt: string | null;
}

const FINDING_COLUMNS = `f.id, h.name AS host, f.kind, f.severity, f.protocol, f.address, f.port, f.message,
  f.advice, f.evidence, f.first_seen_at AS "firstSeenAt", f.last_seen_at AS "lastSeenAt",
  f.resolved_at AS "resolvedAt", f.acked_by AS "ackedBy", f.acked_at AS "ackedAt"`;

/** An event an agent pushed. */
export interface EventView {
  id: string;
  host: string;
  type: string;
  at: string;
  receivedAt: string;
  event: unknown;
}

const EVENT_COLUMNS = `e.id, h.name AS host, e.type, e.at, e.received_at AS "receivedAt", e.body AS event`;

/** A listener opened or closed, as reports showed it. */
export interface ListenerChange {
  at: string;
  change: 'first-seen' | 'opened' | 'closed';
  protocol: string;
  address: string;
  port: number;
  ownerNames: string;
}

/** One host in full. */
export interface HostDetail extends HostSummary {
  listeners: ListenerView[];
  findings: FindingView[];
  events: EventView[];
  changes: ListenerChange[];
}

/** The host called `name`, with its listeners, open findings, recent events and listener changes. */
export function readHost(pool: pg.Pool, name: string, silentAfterMs: number): Promise<HostDetail | null> {
  // One snapshot of the database: a report stored meanwhile shows whole or not at all, so the summary
  // and the tables below it agree.
  return inTransaction(
    pool,
    async (client) => {
      const { rows } = await client.query(`${HOST_SUMMARY} WHERE h.name = $2`, [silentAfterMs, name]);
      const found = rows[0];
      if (!found) return null;
      const { worstRank: _rank, ...summary } = found;
      const listeners = await client.query(
        `SELECT ${LISTENER_COLUMNS} FROM listeners l JOIN hosts h ON h.id = l.host_id
          WHERE h.name = $1 AND l.source = 'agent' ORDER BY l.protocol, l.port, l.address`,
        [name],
      );
      const findings = await client.query(
        `SELECT ${FINDING_COLUMNS} FROM findings f JOIN hosts h ON h.id = f.host_id
          WHERE h.name = $1 AND f.resolved_at IS NULL ORDER BY f.severity_rank DESC, f.port, f.id`,
        [name],
      );
      const events = await client.query(
        `SELECT ${EVENT_COLUMNS} FROM events e JOIN hosts h ON h.id = e.host_id
          WHERE h.name = $1 ORDER BY e.at DESC, e.id DESC LIMIT 100`,
        [name],
      );
      const changes = await client.query(
        `SELECT c.at, c.change, c.protocol, c.address, c.port, c.owner_names AS "ownerNames"
           FROM listener_changes c JOIN hosts h ON h.id = c.host_id
          WHERE h.name = $1 ORDER BY c.at DESC, c.id DESC LIMIT 200`,
        [name],
      );
      return {
        ...(timestamps(summary) as HostSummary),
        listeners: listeners.rows.map((row) => timestamps(row) as ListenerView),
        findings: findings.rows.map((row) => timestamps(row) as FindingView),
        events: events.rows.map((row) => timestamps(row) as EventView),
        changes: changes.rows.map((row) => timestamps(row) as ListenerChange),
      };
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

/** Every host listening on `port`/`protocol`, with owners. */
export async function readPort(pool: pg.Pool, port: number, protocol: string): Promise<ListenerView[]> {
  const { rows } = await pool.query(
    `SELECT h.name AS host, ${LISTENER_COLUMNS} FROM listeners l JOIN hosts h ON h.id = l.host_id
      WHERE l.port = $1 AND l.protocol = $2 ORDER BY h.name, l.address`,
    [port, protocol],
  );
  return rows.map((row) => timestamps(row) as ListenerView);
}

/** Which findings to list. */
export interface FindingFilter {
  severity?: string;
  open?: boolean;
  acked?: boolean;
  host?: string;
  limit: number;
}

/** Findings, most severe and newest first. */
export async function listFindings(pool: pg.Pool, filter: FindingFilter): Promise<FindingView[]> {
  const { rows } = await pool.query(
    `SELECT ${FINDING_COLUMNS} FROM findings f JOIN hosts h ON h.id = f.host_id
      WHERE ($1::text IS NULL OR f.severity = $1)
        AND ($2::boolean IS NULL OR (f.resolved_at IS NULL) = $2)
        AND ($3::boolean IS NULL OR (f.acked_at IS NOT NULL) = $3)
        AND ($4::text IS NULL OR h.name = $4)
      ORDER BY f.severity_rank DESC, f.last_seen_at DESC, f.id DESC LIMIT $5`,
    [filter.severity ?? null, filter.open ?? null, filter.acked ?? null, filter.host ?? null, filter.limit],
  );
  return rows.map((row) => timestamps(row) as FindingView);
}

/** Events since a time, oldest first. */
export async function listEvents(
  pool: pg.Pool,
  filter: { since: string; host?: string; limit: number },
): Promise<EventView[]> {
  const { rows } = await pool.query(
    `SELECT ${EVENT_COLUMNS} FROM events e JOIN hosts h ON h.id = e.host_id
      WHERE e.at >= $1 AND ($2::text IS NULL OR h.name = $2)
      ORDER BY e.at, e.id LIMIT $3`,
    [filter.since, filter.host ?? null, filter.limit],
  );
  return rows.map((row) => timestamps(row) as EventView);
}

/** Marks a finding acknowledged by `who` (the first acknowledgement stays); null when there is no such finding. */
export async function acknowledgeFinding(
  pool: pg.Pool,
  id: string,
  who: string,
): Promise<FindingView | null> {
  const { rows } = await pool.query(
    `WITH acked AS (
       UPDATE findings SET acked_by = coalesce(acked_by, $2), acked_at = coalesce(acked_at, now())
        WHERE id = $1 RETURNING *
     )
     SELECT ${FINDING_COLUMNS} FROM acked f JOIN hosts h ON h.id = f.host_id`,
    [id, who],
  );
  return rows[0] ? (timestamps(rows[0]) as FindingView) : null;
}
