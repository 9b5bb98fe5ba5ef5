// What `earshot server token` and `earshot server user add` do, as library calls: each opens the
// database, brings its schema up to date, does one thing and closes.
import type pg from 'pg';
import { issueToken, listTokens, revokeTokens } from './auth/tokens.js';
import { addUser, type Role } from './auth/users.js';
import type { TokenKind, TokenListing } from './db/auth-queries.js';
import { databaseError, describeDatabase, openPool } from './db/connect.js';
import { migrate } from './db/migrate.js';

async function withDatabase<T>(db: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = openPool(db, { maxConnections: 2 });
  try {
    try {
      await migrate(pool, undefined, `The database ${describeDatabase(db)}`);
    } catch (error) {
      throw databaseError(db, error);
    }
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Makes a token (an agent token is bound to the host `name`) and returns its secret, shown once. */
export function createServerToken(db: string, kind: TokenKind, name: string): Promise<string> {
  return withDatabase(db, (pool) => issueToken(pool, kind, name));
}

/** Every token, without secrets. */
export function listServerTokens(db: string): Promise<TokenListing[]> {
  return withDatabase(db, listTokens);
}

/** Revokes the tokens made for `name`; returns how many. */
export function revokeServerTokens(db: string, name: string): Promise<number> {
  return withDatabase(db, (pool) => revokeTokens(pool, name));
}

/** Adds a dashboard user. */
export function addServerUser(db: string, name: string, role: Role, password: string): Promise<void> {
  return withDatabase(db, (pool) => addUser(pool, name, role, password));
}
