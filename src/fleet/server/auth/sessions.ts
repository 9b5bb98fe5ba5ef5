// Dashboard sessions: a random id in an HttpOnly, SameSite=Strict cookie, stored hashed in
// PostgreSQL (any server process can check it), with a CSRF token that every form posts back.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { deleteSession, insertSession } from '../db/auth-queries.js';
import { newSecret, secretHash } from './secrets.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'earshot_session';

/** How long a session lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Starts a session for a user; returns the cookie's value. */
export async function startSession(pool: pg.Pool, userId: string): Promise<string> {
  const secret = newSecret('');
  await insertSession(pool, {
    sha256: secretHash(secret),
    userId,
    csrf: randomBytes(24).toString('base64url'),
    expiresAt: new Date(Date.now() + SESSION_TTL_MS),
  });
  return secret;
}

/** Ends the session with this cookie value. */
export function endSession(pool: pg.Pool, secret: string): Promise<void> {
  return deleteSession(pool, secretHash(secret));
}

/** The `Set-Cookie` value for a session (or for clearing it, with an empty value). */
export function sessionCookie(value: string, secure: boolean): string {
  const age = value === '' ? 0 : Math.floor(SESSION_TTL_MS / 1000);
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${age}${secure ? '; Secure' : ''}`;
}

/** The session cookie's value in a Cookie header, if any. */
export function readSessionCookie(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}
