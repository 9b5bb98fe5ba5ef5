// API tokens: an agent token is bound to one host (made on issue, so a silent agent shows before
// its first report); viewer tokens read, admin tokens also acknowledge findings.
import type pg from 'pg';
import { EarshotError } from '../../../errors.js';
import {
  ensureHost,
  insertToken,
  listTokenRows,
  revokeTokenRows,
  type TokenKind,
  type TokenListing,
} from '../db/auth-queries.js';
import { inTransaction } from '../db/connect.js';
import { newSecret, secretHash } from './secrets.js';

// Host names (RFC 1123 labels, and underscores some fleets use) and viewer names alike.
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;

/** Checks a host, viewer or user name; throws ERR_OPTION naming it otherwise. */
export function checkName(name: string, what: string): string {
  if (!NAME.test(name)) {
    throw new EarshotError(
      'ERR_OPTION',
      `Invalid ${what} "${name}": use letters, digits, ".", "-" and "_" (at most 253), starting with a letter or digit.`,
    );
  }
  return name;
}

/** Makes a token for `name` (a host for agent tokens) and returns the secret; only its hash is kept. */
export async function issueToken(pool: pg.Pool, kind: TokenKind, name: string): Promise<string> {
  checkName(name, kind === 'agent' ? 'host name' : `${kind} name`);
  const secret = newSecret(`es_${kind}_`);
  await inTransaction(pool, async (client) => {
    const hostId = kind === 'agent' ? await ensureHost(client, name) : null;
    await insertToken(client, { kind, name, hostId, sha256: secretHash(secret), hint: secret.slice(-4) });
  });
  return secret;
}

/** Every token (kind, name, last four characters, when made and revoked). */
export function listTokens(pool: pg.Pool): Promise<TokenListing[]> {
  return listTokenRows(pool);
}

/** Revokes every live token made for `name`; throws ERR_OPTION when there was none. */
export async function revokeTokens(pool: pg.Pool, name: string): Promise<number> {
  const count = await revokeTokenRows(pool, name);
  if (count === 0) {
    throw new EarshotError(
      'ERR_OPTION',
      `No live token was made for "${name}": see earshot server token --list.`,
    );
  }
  return count;
}
