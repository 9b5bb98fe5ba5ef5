// The store's schema, one migration per version. PRAGMA user_version holds the version a file is
// at; a file at a higher version than this list knows was written by a newer earshot and is never
// touched (see open-store.ts).

/** Each entry takes the schema from version `index` to `index + 1`; never edit one that shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  -- One row per listener interval: an endpoint from when watch saw it open until it closed.
  CREATE TABLE listeners (
    id INTEGER PRIMARY KEY,
    protocol TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp')),
    address TEXT NOT NULL,
    port INTEGER NOT NULL,
    inodes TEXT NOT NULL,
    owners TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT
  );
  CREATE UNIQUE INDEX listeners_open ON listeners (protocol, address, port) WHERE closed_at IS NULL;
  CREATE INDEX listeners_closed_at ON listeners (closed_at);

  -- Every owner set a listener had, from when it was first seen with it.
  CREATE TABLE listener_owners (
    listener_id INTEGER NOT NULL REFERENCES listeners (id) ON DELETE CASCADE,
    since TEXT NOT NULL,
    owners TEXT NOT NULL
  );
  CREATE INDEX listener_owners_listener ON listener_owners (listener_id);

  -- Every event, in the order watch made them (seq), with its JSON as emitted.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    time TEXT NOT NULL,
    protocol TEXT,
    port INTEGER,
    body TEXT NOT NULL
  );
  CREATE INDEX events_time ON events (time);

  -- One row per finding interval: from the first verify that found it to the one that no longer did.
  -- source: 'watch' (its periodic verify) or 'verify' (earshot verify --save), each its own timeline.
  CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    protocol TEXT NOT NULL,
    port INTEGER NOT NULL,
    address TEXT NOT NULL,
    body TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    cleared_at TEXT
  );
  CREATE UNIQUE INDEX findings_open ON findings (source, key) WHERE cleared_at IS NULL;
  CREATE INDEX findings_cleared_at ON findings (cleared_at);

  -- Whole verify reports: watch's periodic runs and earshot verify --save.
  CREATE TABLE verify_runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT NOT NULL,
    report TEXT NOT NULL
  );
  CREATE INDEX verify_runs_ended_at ON verify_runs (ended_at);

  -- What each sink still has to deliver: one row per sink and event, delivered in seq order.
  CREATE TABLE outbox (
    sink TEXT NOT NULL,
    event_seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    delivered_at TEXT,
    PRIMARY KEY (sink, event_seq)
  ) WITHOUT ROWID;
  CREATE INDEX outbox_pending ON outbox (sink, event_seq) WHERE delivered_at IS NULL;
  CREATE INDEX outbox_event ON outbox (event_seq);
  `,
];

/** The schema version this earshot writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
