// Opening the history store: one SQLite file in WAL mode (readers never wait for the writer, and a
// process killed at any moment leaves a database that SQLite recovers on the next open), migrated
// to this earshot's schema. A file it cannot use safely (locked, damaged, read-only, or written by
// a newer earshot) is an error naming the file and the way out, and is left exactly as it was.
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  type Stats,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { EarshotError, errnoCode, quote } from '../errors.js';
import { fileTypeName } from '../io/bounded-read.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { Store } from './store.js';
import { isReadOnlyError, storeError } from './store-errors.js';

/** How to open a store. */
export interface OpenStoreOptions {
  /** Only read (earshot history): never creates, migrates or writes the file. */
  readOnly?: boolean;
  /** How long to wait for another process's write lock before ERR_STORE_LOCKED (default 5 s). */
  busyTimeoutMs?: number;
  /** Run SQLite's quick_check before use (default true): a damaged file is refused, not written to. */
  check?: boolean;
}

/**
 * Refuses a store path that exists and is not a regular file (ERR_OPTION, a usage error): SQLite
 * would wait forever on a FIFO, read /dev/zero as an empty database ("schema 0"), or fail obscurely
 * on a folder. A path that does not exist yet is fine (the store is created there). Checked before
 * anything is opened, and by `verify --save` before the run, so that a bad --db fails at once.
 */
export function checkStorePath(path: string): void {
  if (path === ':memory:') return;
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    // Missing (created on open) or unreachable: opening says which, with the fix.
    return;
  }
  const what = fileTypeName(stats);
  if (what === null) return;
  throw new EarshotError(
    'ERR_OPTION',
    `Cannot use the history store ${quote(path)}: it is ${what}, not a regular file; give --db the path of an earshot database file (earshot creates one where there is none).`,
  );
}

function checkWritable(path: string): void {
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o750 });
    // WAL mode creates "-wal" and "-shm" files beside the database: the folder must be writable too.
    accessSync(folder, constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw storeError(path, error, `preparing ${folder}`);
  }
}

function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(path: string, version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new EarshotError(
      'ERR_STORE_VERSION',
      `The history store "${path}" was written by a newer earshot (schema ${version}; this earshot knows up to ${SCHEMA_VERSION}) and was left untouched: upgrade earshot, or give --db another file.`,
    );
  }
}

function quickCheck(path: string, db: BetterSqlite3.Database): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  if (rows.length !== 1 || rows[0]?.quick_check !== 'ok') {
    throw new EarshotError(
      'ERR_STORE_CORRUPT',
      `The history store "${path}" is damaged (quick_check: ${rows
        .slice(0, 3)
        .map((row) => row.quick_check)
        .join(
          '; ',
        )}) and was left untouched: move it aside (mv "${path}" "${path}.broken") and earshot starts a new one; "sqlite3 ${path}.broken .recover" may save what it held.`,
    );
  }
}

function migrate(db: BetterSqlite3.Database): void {
  // IMMEDIATE: take the write lock first, so that two processes opening a new file do not both migrate.
  db.transaction(() => {
    for (let version = schemaVersion(db); version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}

/**
 * Opens (creating it and its folder when needed, unless readOnly) the history store at `path`, or an
 * in-memory one for `:memory:`. Throws ERR_STORE_LOCKED, ERR_STORE_CORRUPT, ERR_STORE_READONLY,
 * ERR_STORE_VERSION or ERR_STORE_OPEN, each naming the file and what to do; ERR_OPTION for a path that
 * is not a regular file (`checkStorePath`).
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const readOnly = options.readOnly ?? false;
  checkStorePath(path);
  if (!readOnly) return openDatabase(path, path, options, null);
  if (path !== ':memory:' && !existsSync(path)) {
    throw new EarshotError(
      'ERR_STORE_OPEN',
      `There is no history store at "${path}" yet: run "earshot watch" or "earshot verify --save" first, or give --db the file they wrote.`,
    );
  }
  try {
    return openDatabase(path, path, options, null);
  } catch (error) {
    // A WAL database can only be read where its "-shm" file can be made (sqlite.org/wal.html#readonly):
    // on a read-only disk (a host's disk mounted for forensics) or someone else's folder, read a copy.
    if (!isReadOnlyError((error as { cause?: unknown }).cause ?? error)) throw error;
    return openCopy(path, options);
  }
}

function openCopy(path: string, options: OpenStoreOptions): Store {
  const folder = mkdtempSync(join(tmpdir(), 'earshot-history-'));
  const cleanup = () => rmSync(folder, { recursive: true, force: true });
  try {
    const copy = join(folder, basename(path));
    copyFileSync(path, copy);
    // Transactions committed but not yet checkpointed live in the "-wal" file: copy it too.
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    return openDatabase(copy, path, options, cleanup);
  } catch (error) {
    cleanup();
    throw storeError(path, error, 'reading a copy');
  }
}

function openDatabase(
  file: string,
  path: string,
  options: OpenStoreOptions,
  onClose: (() => void) | null,
): Store {
  const readOnly = options.readOnly ?? false;
  const memory = file === ':memory:';
  if (!readOnly && !memory) checkWritable(path);
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(file, {
      readonly: readOnly,
      fileMustExist: readOnly,
      timeout: options.busyTimeoutMs ?? 5000,
    });
  } catch (error) {
    throw storeError(path, error, 'opening');
  }
  try {
    const version = schemaVersion(db);
    refuseNewer(path, version);
    if (options.check ?? true) quickCheck(path, db);
    if (readOnly) {
      if (version < SCHEMA_VERSION) {
        throw new EarshotError(
          'ERR_STORE_VERSION',
          `The history store "${path}" is at schema ${version}, older than this earshot's ${SCHEMA_VERSION}: run "earshot watch" or "earshot verify --save" once to upgrade it.`,
        );
      }
    } else {
      if (!memory) db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a committed transaction survives a crash of the process; only a power
      // loss can undo the last ones, never corrupt the file (sqlite.org/pragma.html#pragma_synchronous).
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    }
  } catch (error) {
    db.close();
    throw storeError(path, error, readOnly ? 'reading' : 'opening');
  }
  return new Store(db, path, readOnly, onClose);
}

/** True when `error` is one of the store's errors. */
export function isStoreError(error: unknown): boolean {
  return errnoCode(error)?.startsWith('ERR_STORE_') ?? false;
}
