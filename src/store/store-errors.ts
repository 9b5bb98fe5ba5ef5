// SQLite's failures as earshot errors: each names the database file and what to do about it.
// The codes are SQLite's primary result codes as better-sqlite3 reports them (sqlite.org/rescode.html);
// extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT...) start with their primary one.
import { EarshotError, errnoCode } from '../errors.js';

function sqliteCode(error: unknown): string {
  return errnoCode(error) ?? '';
}

/** True when `error` says the database is locked by another connection (after the busy timeout). */
export function isLockedError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** True when `error` says SQLite could not write (or create) a file it needed. */
export function isReadOnlyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN');
}

/** Turns an error met while opening, reading or writing the store at `path` into an EarshotError. */
export function storeError(path: string, error: unknown, doing: string): EarshotError {
  if (error instanceof EarshotError) return error;
  const code = sqliteCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (isLockedError(error)) {
    return new EarshotError(
      'ERR_STORE_LOCKED',
      `The history store "${path}" is locked by another process (${doing}: ${detail}): wait for it to finish, stop the other earshot watch, or give --db another file.`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new EarshotError(
      'ERR_STORE_CORRUPT',
      `The history store "${path}" is damaged or not an earshot database (${doing}: ${detail}): earshot left it untouched. Move it aside (mv "${path}" "${path}.broken") and earshot starts a new one; "sqlite3 ${path}.broken .recover" may save what it held.`,
      { cause: error },
    );
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'EROFS' ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code.startsWith('SQLITE_PERM') ||
    code.startsWith('SQLITE_AUTH')
  ) {
    return new EarshotError(
      'ERR_STORE_READONLY',
      `The history store "${path}" cannot be written (${doing}: ${detail}): the disk is read-only or the file and its folder are not writable by this user. Make them writable, run as the user that owns them, or give --db a writable path.`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new EarshotError(
      'ERR_STORE_READONLY',
      `The history store "${path}" cannot grow: the disk is full (${doing}: ${detail}). Free space there, lower --retain, or give --db a path on another disk.`,
      { cause: error },
    );
  }
  return new EarshotError(
    'ERR_STORE_OPEN',
    `Cannot use the history store "${path}" (${doing}: ${code || detail}${code ? `, ${detail}` : ''}): check that its folder exists and is writable, or give --db another path.`,
    { cause: error },
  );
}
