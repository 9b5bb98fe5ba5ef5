// Tokens, users, sessions and request counters: the SQL behind auth/.
import type pg from 'pg';

/** What a token or session lets its holder do. */
export type TokenKind = 'agent' | 'viewer' | 'admin';

/** A live token as authentication finds it, with its request count in the current window. */
export interface TokenMatch {
  id: string;
  kind: TokenKind;
  name: string;
  hostId: string | null;
  requests: number;
}

/** The host row of `name`, made when missing. */
export async function ensureHost(db: pg.Pool | pg.PoolClient, name: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO hosts (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`,
    [name],
  );
  return rows[0]!.id;
}

/** Records a new token's hash. */
export async function insertToken(
  db: pg.Pool | pg.PoolClient,
  token: { kind: TokenKind; name: string; hostId: string | null; sha256: Buffer; hint: string },
): Promise<void> {
  await db.query(
    'INSERT INTO tokens (kind, name, host_id, secret_sha256, hint) VALUES ($1, $2, $3, $4, $5)',
    [token.kind, token.name, token.hostId, token.sha256, token.hint],
  );
}

/**
 * Finds the live token with this hash and counts one request against it in the window starting
 * at `windowStart`, in one statement.
 */
export async function matchToken(
  pool: pg.Pool,
  sha256: Buffer,
  windowStart: Date,
): Promise<TokenMatch | null> {
  const { rows } = await pool.query<{
    id: string;
    kind: TokenKind;
    name: string;
    host_id: string | null;
    count: number;
  }>(
    `WITH t AS (
       SELECT id, kind, name, host_id FROM tokens WHERE secret_sha256 = $1 AND revoked_at IS NULL
     ), counted AS (
       INSERT INTO rate_counters (key, window_start, count)
       SELECT 'token:' || t.id, $2, 1 FROM t
       ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
       RETURNING count
     )
     SELECT t.id, t.kind, t.name, t.host_id, counted.count FROM t, counted`,
    [sha256, windowStart],
  );
  const row = rows[0];
  return row
    ? { id: row.id, kind: row.kind, name: row.name, hostId: row.host_id, requests: row.count }
    : null;
}

/** Counts one request against `key` in the window starting at `windowStart`; returns the count. */
export async function countRequest(pool: pg.Pool, key: string, windowStart: Date): Promise<number> {
  const { rows } = await pool.query<{ count: number }>(
    `INSERT INTO rate_counters (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 RETURNING count`,
    [key, windowStart],
  );
  return rows[0]!.count;
}

/** A token as `earshot server token --list` shows it (never its secret). */
export interface TokenListing {
  kind: TokenKind;
  name: string;
  hint: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Every token, live and revoked. */
export async function listTokenRows(pool: pg.Pool): Promise<TokenListing[]> {
  const { rows } = await pool.query<TokenListing>(
    `SELECT kind, name, hint, created_at AS "createdAt", revoked_at AS "revokedAt"
       FROM tokens ORDER BY kind, name, created_at`,
  );
  return rows;
}

/** Revokes every live token made for `name`; returns how many. */
export async function revokeTokenRows(pool: pg.Pool, name: string): Promise<number> {
  const result = await pool.query(
    'UPDATE tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL',
    [name],
  );
  return result.rowCount ?? 0;
}

/** A dashboard user. */
export interface UserRow {
  id: string;
  name: string;
  role: 'viewer' | 'admin';
  passwordHash: string;
}

/** Adds a user; false when the name is taken. */
export async function insertUser(
  pool: pg.Pool,
  user: { name: string; role: 'viewer' | 'admin'; passwordHash: string },
): Promise<boolean> {
  const result = await pool.query(
    'INSERT INTO users (name, role, password_hash) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
    [user.name, user.role, user.passwordHash],
  );
  return result.rowCount === 1;
}

/** The user called `name`, if any. */
export async function findUser(pool: pg.Pool, name: string): Promise<UserRow | null> {
  const { rows } = await pool.query<UserRow>(
    'SELECT id, name, role, password_hash AS "passwordHash" FROM users WHERE name = $1',
    [name],
  );
  return rows[0] ?? null;
}

/** Records a session. */
export async function insertSession(
  pool: pg.Pool,
  session: { sha256: Buffer; userId: string; csrf: string; expiresAt: Date },
): Promise<void> {
  await pool.query(
    'INSERT INTO sessions (secret_sha256, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)',
    [session.sha256, session.userId, session.csrf, session.expiresAt],
  );
}

/** A live session with its user, and its request count in the current window. */
export interface SessionMatch {
  userName: string;
  role: 'viewer' | 'admin';
  csrf: string;
  requests: number;
}

/** Finds the live session with this hash and counts one request against it. */
export async function matchSession(
  pool: pg.Pool,
  sha256: Buffer,
  windowStart: Date,
): Promise<SessionMatch | null> {
  const { rows } = await pool.query<SessionMatch>(
    `WITH s AS (
       SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.secret_sha256 = $1 AND s.expires_at > now()
     ), counted AS (
       INSERT INTO rate_counters (key, window_start, count)
       SELECT 'session:' || encode($1, 'hex'), $2, 1 FROM s
       ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1
       RETURNING count
     )
     SELECT s.name AS "userName", s.role, s.csrf, counted.count AS requests FROM s, counted`,
    [sha256, windowStart],
  );
  return rows[0] ?? null;
}

/** Ends a session. */
export async function deleteSession(pool: pg.Pool, sha256: Buffer): Promise<void> {
  await pool.query('DELETE FROM sessions WHERE secret_sha256 = $1', [sha256]);
}
