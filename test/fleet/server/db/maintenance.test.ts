// Retention (pruneOld) against a real PostgreSQL: what is older than the retention goes (report
// bodies, events, listener changes, cleared findings), each host's latest report stays however old,
// expired sessions and past rate windows go, and a second process finds the pass taken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openPool } from '../../../../src/fleet/server/db/connect.js';
import { MAINTENANCE_LOCK, pruneOld } from '../../../../src/fleet/server/db/maintenance-queries.js';
import type { RunningServer } from '../../../../src/fleet/server/server.js';
import {
  skipUnlessPostgres,
  startTestPostgres,
  type TestPostgres,
} from '../../../helpers/daemons/postgres.js';
import { agentToken, eventFor, reportFor, request, snapshot, startTestServer, user } from '../../harness.js';

const DAY_MS = 86_400_000;

describe('fleet server retention', { skip: skipUnlessPostgres }, () => {
  let pg: TestPostgres;
  let server: RunningServer;
  before(async () => {
    pg = await startTestPostgres();
    server = await startTestServer(pg.url());
  });
  after(async () => {
    await server?.close();
    await pg?.remove();
  });
  const sql = (text: string) => pg.psql(text);
  const count = async (table: string, where = 'true') =>
    Number(await sql(`SELECT count(*) FROM ${table} WHERE ${where}`));

  it('deletes what is older than the retention, keeps each host latest report, and runs once at a time', async () => {
    const [web, db] = await Promise.all([agentToken(pg.url(), 'web'), agentToken(pg.url(), 'db')]);
    await user(pg.url(), 'reader', 'viewer', 'a long enough password');
    const old = new Date(Date.now() - 40 * DAY_MS).toISOString();
    const push = async (token: string, path: string, body: unknown) => {
      const reply = await request(`${server.url}${path}`, { token, body });
      assert.ok(reply.status === 201 || reply.status === 200, reply.text);
    };
    // web: a report 40 days old, then one of now (its latest); db: only a report 40 days old.
    const oldWeb = snapshot(reportFor('web', 'listeners', old));
    const newWeb = snapshot(reportFor('web', 'suspicious'));
    const oldDb = snapshot(reportFor('db', 'quiet', old));
    await push(web, '/api/agent/report', oldWeb);
    await push(web, '/api/agent/report', newWeb);
    await push(db, '/api/agent/report', oldDb);
    const [oldEvent, newEvent] = [eventFor('web', { time: old }), eventFor('web')];
    await push(web, '/api/agent/events', {
      events: [oldEvent, newEvent].map((event) => ({ eventId: event.id, event })),
    });
    // Received long ago, as the report bodies of a server that ran 40 days.
    await sql(
      `UPDATE reports SET received_at = now() - interval '40 days' WHERE report_uid IN ('${oldWeb.reportId}', '${oldDb.reportId}')`,
    );
    // One finding cleared 40 days ago, one cleared now.
    await sql(
      `UPDATE findings SET resolved_at = now() - interval '40 days' WHERE id = (SELECT min(id) FROM findings WHERE resolved_at IS NULL)`,
    );
    await sql(
      `UPDATE findings SET resolved_at = now() WHERE id = (SELECT max(id) FROM findings WHERE resolved_at IS NULL)`,
    );
    await sql(`INSERT INTO sessions (secret_sha256, user_id, csrf, expires_at)
      SELECT decode(md5(n::text), 'hex'), u.id, 'c', now() + (CASE n WHEN 1 THEN interval '-1 hour' ELSE interval '1 hour' END)
        FROM users u, generate_series(1, 2) n`);
    await sql(
      `INSERT INTO rate_counters (key, window_start, count) VALUES ('old', now() - interval '2 hours', 1)`,
    );

    const oldChanges = await count('listener_changes', "at < now() - interval '30 days'");
    assert.ok(oldChanges > 0, 'the old report made listener changes 40 days ago');
    const keptChanges = (await count('listener_changes')) - oldChanges;
    const findings = await count('findings');
    const counters = await count('rate_counters');

    const pool = openPool(pg.url());
    const holder = openPool(pg.url());
    try {
      const client = await holder.connect();
      try {
        await client.query(`SELECT pg_advisory_lock(${MAINTENANCE_LOCK})`);
        assert.equal(await pruneOld(pool, 30), null, 'another process is pruning: this one skips');
        await client.query(`SELECT pg_advisory_unlock(${MAINTENANCE_LOCK})`);
      } finally {
        client.release();
      }
      assert.equal(await count('reports'), 3, 'nothing was deleted while the other held the lock');

      assert.deepEqual(await pruneOld(pool, 30), {
        reports: 1,
        events: 1,
        listenerChanges: oldChanges,
        findings: 1,
        sessions: 1,
        rateCounters: 1,
      });
      assert.equal(
        await sql("SELECT string_agg(report_uid, ',' ORDER BY report_uid) FROM reports"),
        [newWeb.reportId, oldDb.reportId].sort().join(','),
        "web's old body went; db's only report stays, however old: it is its latest",
      );
      assert.equal(await sql("SELECT string_agg(event_uid, ',') FROM events"), newEvent.id);
      assert.equal(await count('listener_changes'), keptChanges);
      assert.equal(await count('findings'), findings - 1);
      assert.equal(await count('findings', 'resolved_at IS NOT NULL'), 1, 'the finding cleared now stays');
      assert.equal(await count('sessions'), 1);
      assert.equal(await count('rate_counters'), counters - 1);
      assert.deepEqual(await pruneOld(pool, 30), {
        reports: 0,
        events: 0,
        listenerChanges: 0,
        findings: 0,
        sessions: 0,
        rateCounters: 0,
      });
    } finally {
      await Promise.all([pool.end(), holder.end()]);
    }
  });
});
