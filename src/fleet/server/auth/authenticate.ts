// Who is asking: a Bearer token (agent, viewer or admin) or a dashboard session, counted against
// its per-minute request bound in PostgreSQL, so that every server process counts alike.
import type pg from 'pg';
import { matchSession, matchToken, type TokenKind } from '../db/auth-queries.js';
import { HttpError } from '../http-errors.js';
import { secretHash } from './secrets.js';
import { readSessionCookie } from './sessions.js';

/** An authenticated caller. */
export interface Principal {
  role: TokenKind;
  /** The host (agent tokens), viewer or user name. */
  name: string;
  /** The host an agent token is bound to. */
  hostId: string | null;
  via: 'token' | 'session';
  /** The session's CSRF token (sessions only). */
  csrf?: string;
}

const WINDOW_MS = 60_000;

/** The start of the current rate window. */
export function rateWindow(now = Date.now()): Date {
  return new Date(now - (now % WINDOW_MS));
}

function tooMany(now: number): HttpError {
  return new HttpError(429, 'rate-limited', 'Too many requests with this credential; slow down.', {
    retryAfterS: Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000),
  });
}

/** The caller of a request with these headers, or a 401/429 HttpError. */
export async function authenticate(
  pool: pg.Pool,
  headers: { authorization?: string | undefined; cookie?: string | undefined },
  perMinute: number,
): Promise<Principal> {
  const now = Date.now();
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (headers.authorization !== undefined) {
    if (!bearer)
      throw new HttpError(401, 'unauthenticated', 'The Authorization header must be "Bearer TOKEN".');
    const token = await matchToken(pool, secretHash(bearer[1]!), rateWindow(now));
    if (!token) throw new HttpError(401, 'unauthenticated', 'The token is wrong or revoked.');
    if (token.requests > perMinute) throw tooMany(now);
    return { role: token.kind, name: token.name, hostId: token.hostId, via: 'token' };
  }
  const cookie = readSessionCookie(headers.cookie);
  if (cookie) {
    const session = await matchSession(pool, secretHash(cookie), rateWindow(now));
    if (session) {
      if (session.requests > perMinute) throw tooMany(now);
      return { role: session.role, name: session.userName, hostId: null, via: 'session', csrf: session.csrf };
    }
  }
  throw new HttpError(
    401,
    'unauthenticated',
    'Send "Authorization: Bearer TOKEN" (earshot server token) or log in.',
  );
}

/** Throws 403 unless the caller may read the fleet (viewer or admin; agent tokens only push). */
export function requireReader(principal: Principal): void {
  if (principal.role === 'agent') {
    throw new HttpError(
      403,
      'forbidden',
      'An agent token may only push reports and events; use a viewer token.',
    );
  }
}

/** Throws 403 unless the caller is an admin. */
export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') {
    throw new HttpError(403, 'forbidden', 'Only an admin may acknowledge findings.');
  }
}

/** Throws 403 unless the caller is an agent token (the push API). */
export function requireAgent(principal: Principal): asserts principal is Principal & { hostId: string } {
  if (principal.role !== 'agent' || principal.hostId === null) {
    throw new HttpError(
      403,
      'forbidden',
      'Only an agent token may push; make one with earshot server token --agent HOST.',
    );
  }
}
