// The server's PostgreSQL connection pool: built from a libpq-style URL or a Unix socket folder,
// never crashing when PostgreSQL goes away (idle clients' errors are caught; queries fail and are
// answered 503 until it is back), and a test for "the database is unavailable".
import pg from 'pg';
import { EarshotError, errnoCode } from '../../../errors.js';

/** How the server reaches PostgreSQL: a URL (`postgresql://user@host/db`, `?host=/run/postgresql`) or a socket folder. */
export type DatabaseTarget = string;

/** Pool sizes and time bounds. */
export interface PoolOptions {
  /** Connections this process keeps at most (default 10). */
  maxConnections?: number;
  /** How long a query waits for a connection before failing (default 5 s). */
  connectTimeoutMs?: number;
  /** PostgreSQL's statement_timeout for every statement (default 30 s). */
  statementTimeoutMs?: number;
  /**
   * False for writes that may be lost in a crash without harm (request counters): their commits
   * then do not wait for the WAL flush (synchronous_commit off), which halves the flushes per push.
   */
  durableCommits?: boolean;
}

/** Turns `--db` into pg's client settings; a bare absolute path is a socket folder and database `earshot`. */
export function databaseConfig(target: DatabaseTarget): pg.ClientConfig {
  if (/^postgres(ql)?:\/\//.test(target)) return { connectionString: target };
  if (target.startsWith('/')) return { host: target, database: 'earshot' };
  throw new EarshotError(
    'ERR_OPTION',
    `Invalid database "${target}": give a URL such as postgresql://earshot@localhost/earshot ` +
      "(or postgresql:///earshot?host=/var/run/postgresql), or the folder of PostgreSQL's Unix socket.",
  );
}

/** A URL with any password replaced, for messages. */
export function describeDatabase(target: DatabaseTarget): string {
  return target.replace(/(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

/** Opens a pool; nothing connects until the first query. */
export function openPool(target: DatabaseTarget, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    ...databaseConfig(target),
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    application_name: 'earshot server',
    ...(options.durableCommits === false ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would end the
  // process. The client is discarded by the pool; the next query connects afresh.
  pool.on('error', () => undefined);
  return pool;
}

// SQLSTATE classes 08 (connection exception) and 57P0x (operator intervention: shutdown, crash
// recovery, cannot connect now), from PostgreSQL's appendix A.
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
// pg raises these without a code when the socket closes or the pool cannot connect in time.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|terminating connection/i;

/** True when `error` says PostgreSQL cannot be reached right now (answered 503, retried later). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = errnoCode(error);
  if (code !== undefined && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  return error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message);
}

/**
 * Runs `work` in one transaction on one client: BEGIN (or `begin`, e.g. a read-only snapshot),
 * COMMIT, or ROLLBACK when it throws.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Wraps a failure to reach or use the database in an ERR_DB error naming it. */
export function databaseError(target: DatabaseTarget, error: unknown): EarshotError {
  if (error instanceof EarshotError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new EarshotError(
    'ERR_DB',
    `Cannot use the database ${describeDatabase(target)}: ${reason}. Check that PostgreSQL runs, that the ` +
      'database exists (createdb earshot) and that this user may connect to it.',
    { cause: error },
  );
}
