// Retention: old report bodies, events, listener changes, cleared findings, expired sessions and
// past rate windows are deleted, by whichever server process holds the maintenance lock.
import type pg from 'pg';

/** The advisory lock one pruning pass holds ("earshot" + 1: not the migrations' lock). */
export const MAINTENANCE_LOCK = '28536116838166389';

/** What one pass deleted, by table. */
export type PruneCounts = Record<
  'reports' | 'events' | 'listenerChanges' | 'findings' | 'sessions' | 'rateCounters',
  number
>;

/**
 * Deletes what is older than `retainDays` (each host view's latest report always stays) and what
 * has expired. Returns null when another process is pruning right now.
 */
export async function pruneOld(pool: pg.Pool, retainDays: number): Promise<PruneCounts | null> {
  const client = await pool.connect();
  let broken = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock(${MAINTENANCE_LOCK}) AS locked`,
    );
    if (!rows[0]?.locked) return null;
    try {
      const cutoff = [retainDays];
      const count = async (sql: string, params: unknown[] = cutoff) =>
        (await client.query(sql, params)).rowCount ?? 0;
      return {
        reports: await count(
          `DELETE FROM reports r WHERE r.received_at < now() - make_interval(days => $1)
             AND NOT EXISTS (SELECT 1 FROM host_views v WHERE v.latest_report_id = r.id)`,
        ),
        events: await count('DELETE FROM events WHERE at < now() - make_interval(days => $1)'),
        listenerChanges: await count(
          'DELETE FROM listener_changes WHERE at < now() - make_interval(days => $1)',
        ),
        findings: await count('DELETE FROM findings WHERE resolved_at < now() - make_interval(days => $1)'),
        sessions: await count('DELETE FROM sessions WHERE expires_at < now()', []),
        rateCounters: await count(
          "DELETE FROM rate_counters WHERE window_start < now() - interval '1 hour'",
          [],
        ),
      };
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MAINTENANCE_LOCK})`);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}
