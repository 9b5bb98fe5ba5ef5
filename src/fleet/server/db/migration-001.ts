// Schema version 1: hosts and their views (the agent's kernel view now, a network scan's next),
// reports, current listeners, listener changes, findings with acknowledgement, events, tokens,
// users, sessions and rate counters; and the functions that ingest a report or a batch of events in
// one statement each (one round trip, atomic, idempotent by report id and event id).

/** The SQL of schema version 1. */
export const MIGRATION_001 = `
CREATE TABLE hosts (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- the last time this host's agent pushed anything (report or events)
  last_seen_at timestamptz
);

-- What one source (the host's own agent, or a network scan of it) last reported about a host.
CREATE TABLE host_views (
  host_id bigint NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  source text NOT NULL CHECK (source IN ('agent', 'scan')),
  last_report_at timestamptz,
  latest_report_id bigint,
  worst_verdict text NOT NULL DEFAULT 'unknown'
    CHECK (worst_verdict IN ('unknown', 'ok', 'info', 'notice', 'warning', 'critical')),
  worst_rank smallint NOT NULL DEFAULT -1,
  listener_count integer NOT NULL DEFAULT 0,
  PRIMARY KEY (host_id, source)
);

CREATE TABLE reports (
  id bigserial PRIMARY KEY,
  host_id bigint NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  source text NOT NULL CHECK (source IN ('agent', 'scan')),
  report_uid text NOT NULL,
  taken_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body json NOT NULL,
  UNIQUE (host_id, source, report_uid)
);
CREATE INDEX reports_received ON reports (received_at);

-- The listeners of each host as its latest report of each source lists them.
CREATE TABLE listeners (
  host_id bigint NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  source text NOT NULL,
  protocol text NOT NULL,
  address text NOT NULL,
  port integer NOT NULL,
  in_kernel_table boolean NOT NULL,
  verdict text NOT NULL,
  summary text NOT NULL,
  owners jsonb NOT NULL,
  owner_names text NOT NULL,
  service text NOT NULL,
  since timestamptz NOT NULL,
  report_id bigint NOT NULL,
  PRIMARY KEY (host_id, source, protocol, address, port)
);
CREATE INDEX listeners_port ON listeners (port, protocol);

-- Opened and closed listeners, found by comparing each report with the one before.
CREATE TABLE listener_changes (
  id bigserial PRIMARY KEY,
  host_id bigint NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  source text NOT NULL,
  at timestamptz NOT NULL,
  change text NOT NULL CHECK (change IN ('first-seen', 'opened', 'closed')),
  protocol text NOT NULL,
  address text NOT NULL,
  port integer NOT NULL,
  owner_names text NOT NULL
);
CREATE INDEX listener_changes_host ON listener_changes (host_id, at DESC);

CREATE TABLE findings (
  id bigserial PRIMARY KEY,
  host_id bigint NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  source text NOT NULL,
  fingerprint text NOT NULL,
  kind text NOT NULL,
  severity text NOT NULL,
  severity_rank smallint NOT NULL,
  protocol text NOT NULL,
  address text NOT NULL,
  port integer NOT NULL,
  message text NOT NULL,
  advice text NOT NULL,
  evidence jsonb NOT NULL,
  first_seen_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  resolved_at timestamptz,
  acked_by text,
  acked_at timestamptz,
  UNIQUE (host_id, source, fingerprint)
);
CREATE INDEX findings_open ON findings (severity_rank DESC, id) WHERE resolved_at IS NULL;

CREATE TABLE events (
  id bigserial PRIMARY KEY,
  host_id bigint NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
  event_uid text NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL,
  UNIQUE (host_id, event_uid)
);
CREATE INDEX events_at ON events (at, id);
CREATE INDEX events_host_at ON events (host_id, at DESC);

CREATE TABLE tokens (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('agent', 'viewer', 'admin')),
  name text NOT NULL,
  host_id bigint REFERENCES hosts(id) ON DELETE CASCADE,
  secret_sha256 bytea NOT NULL UNIQUE,
  hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CHECK ((kind = 'agent') = (host_id IS NOT NULL))
);

CREATE TABLE users (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('viewer', 'admin')),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  secret_sha256 bytea PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- Fixed-window request counters, so that every server process sharing the database counts alike.
CREATE TABLE rate_counters (
  key text NOT NULL,
  window_start timestamptz NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (key, window_start)
);

-- One report in one statement: stored once per (host, source, report id); the host's current
-- listeners, listener changes and findings follow it only when it is not older than the one they
-- already follow (a retried or late report never rolls the view back).
CREATE FUNCTION earshot_ingest_report(
  p_host_id bigint, p_source text, p_uid text, p_taken_at timestamptz, p_body json,
  p_listeners jsonb, p_findings jsonb, p_worst text, p_worst_rank smallint
) RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  v_report_id bigint;
  v_current timestamptz;
  v_first boolean;
BEGIN
  INSERT INTO host_views (host_id, source) VALUES (p_host_id, p_source) ON CONFLICT DO NOTHING;
  -- The view's row is the lock that puts one host's reports of one source in a line.
  SELECT last_report_at, last_report_at IS NULL INTO v_current, v_first
    FROM host_views WHERE host_id = p_host_id AND source = p_source FOR UPDATE;
  IF p_source = 'agent' THEN
    UPDATE hosts SET last_seen_at = now() WHERE id = p_host_id;
  END IF;
  INSERT INTO reports (host_id, source, report_uid, taken_at, body)
    VALUES (p_host_id, p_source, p_uid, p_taken_at, p_body)
    ON CONFLICT (host_id, source, report_uid) DO NOTHING
    RETURNING id INTO v_report_id;
  IF v_report_id IS NULL THEN
    RETURN 'duplicate';
  END IF;
  IF v_current IS NOT NULL AND p_taken_at < v_current THEN
    RETURN 'stored-older';
  END IF;

  -- One statement: every part sees the listeners as they were before it, so "current" is the
  -- previous report's set while "gone" and "kept" change the table.
  WITH incoming AS (
    SELECT * FROM jsonb_to_recordset(p_listeners) AS x(
      protocol text, address text, port integer, in_kernel_table boolean, verdict text, summary text,
      owners jsonb, owner_names text, service text)
  ), current AS (
    SELECT protocol, address, port FROM listeners WHERE host_id = p_host_id AND source = p_source
  ), gone AS (
    DELETE FROM listeners l
     WHERE l.host_id = p_host_id AND l.source = p_source
       AND NOT EXISTS (SELECT 1 FROM incoming i
                        WHERE l.protocol = i.protocol AND l.address = i.address AND l.port = i.port)
    RETURNING l.protocol, l.address, l.port, l.owner_names
  ), kept AS (
    INSERT INTO listeners AS l (host_id, source, protocol, address, port, in_kernel_table, verdict, summary,
                                owners, owner_names, service, since, report_id)
      SELECT p_host_id, p_source, i.protocol, i.address, i.port, i.in_kernel_table, i.verdict, i.summary,
             i.owners, i.owner_names, i.service, p_taken_at, v_report_id
        FROM incoming i
    ON CONFLICT (host_id, source, protocol, address, port) DO UPDATE SET
      in_kernel_table = excluded.in_kernel_table, verdict = excluded.verdict, summary = excluded.summary,
      owners = excluded.owners, owner_names = excluded.owner_names, service = excluded.service,
      report_id = excluded.report_id
    RETURNING 1
  ), changed AS (
    SELECT 'closed' AS change, protocol, address, port, owner_names FROM gone
    UNION ALL
    SELECT CASE WHEN v_first THEN 'first-seen' ELSE 'opened' END, i.protocol, i.address, i.port, i.owner_names
      FROM incoming i
     WHERE NOT EXISTS (SELECT 1 FROM current c
                        WHERE c.protocol = i.protocol AND c.address = i.address AND c.port = i.port)
  )
  INSERT INTO listener_changes (host_id, source, at, change, protocol, address, port, owner_names)
    SELECT p_host_id, p_source, p_taken_at, change, protocol, address, port, owner_names FROM changed;

  -- A finding seen again stays one row; one that had cleared opens again, unacknowledged.
  INSERT INTO findings AS f (host_id, source, fingerprint, kind, severity, severity_rank, protocol, address,
                             port, message, advice, evidence, first_seen_at, last_seen_at)
    SELECT p_host_id, p_source, x.fingerprint, x.kind, x.severity, x.severity_rank, x.protocol, x.address,
           x.port, x.message, x.advice, x.evidence, p_taken_at, p_taken_at
      FROM jsonb_to_recordset(p_findings) AS x(
        fingerprint text, kind text, severity text, severity_rank smallint, protocol text, address text,
        port integer, message text, advice text, evidence jsonb)
    ON CONFLICT (host_id, source, fingerprint) DO UPDATE SET
      severity = excluded.severity, severity_rank = excluded.severity_rank, message = excluded.message,
      advice = excluded.advice, evidence = excluded.evidence, last_seen_at = excluded.last_seen_at,
      first_seen_at = CASE WHEN f.resolved_at IS NULL THEN f.first_seen_at ELSE excluded.first_seen_at END,
      acked_by = CASE WHEN f.resolved_at IS NULL THEN f.acked_by END,
      acked_at = CASE WHEN f.resolved_at IS NULL THEN f.acked_at END,
      resolved_at = NULL;
  UPDATE findings f SET resolved_at = p_taken_at
   WHERE f.host_id = p_host_id AND f.source = p_source AND f.resolved_at IS NULL
     AND NOT f.fingerprint = ANY (
       SELECT x.fingerprint FROM jsonb_to_recordset(p_findings) AS x(fingerprint text));

  UPDATE host_views SET last_report_at = p_taken_at, latest_report_id = v_report_id,
         worst_verdict = p_worst, worst_rank = p_worst_rank,
         listener_count = jsonb_array_length(p_listeners)
   WHERE host_id = p_host_id AND source = p_source;
  RETURN 'stored';
END
$fn$;

-- A batch of events in one statement; an event id the host already sent is skipped.
CREATE FUNCTION earshot_ingest_events(p_host_id bigint, p_events jsonb) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  v_stored integer;
BEGIN
  UPDATE hosts SET last_seen_at = now() WHERE id = p_host_id;
  INSERT INTO events (host_id, event_uid, type, at, body)
    SELECT p_host_id, e.value->>'eventUid', e.value->>'type', (e.value->>'at')::timestamptz, e.value->'body'
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS e(value, n)
     ORDER BY e.n
    ON CONFLICT (host_id, event_uid) DO NOTHING;
  GET DIAGNOSTICS v_stored = ROW_COUNT;
  RETURN v_stored;
END
$fn$;
`;
