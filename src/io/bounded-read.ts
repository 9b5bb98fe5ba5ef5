// Reads a file earshot was given, never more than its kind's cap, and only if it is a regular file.
//
// The file is opened with O_NONBLOCK and checked with fstat before the first read: open(2) of a
// FIFO without O_NONBLOCK waits for a writer forever, and read(2) of /dev/zero never ends. Checking
// the opened descriptor (not the path, then opening) leaves no window for the path to change in
// between. procfs files report size 0, so the cap is also enforced while reading.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { EarshotError, errnoCode, quote } from '../errors.js';
import type { InputFileKind } from './input-files.js';

/** Options of the bounded reads: the kind of file (its name in messages, cap and error code). */
export interface BoundedReadOptions {
  kind: InputFileKind;
  signal?: AbortSignal;
  /** How the bytes are decoded; latin1 for kernel tables, where a garbled byte must not change lengths. */
  encoding?: 'utf8' | 'latin1';
  /**
   * A check of the opened regular file before it is read (the agent token's mode): throws the
   * kind's EarshotError (`inputFileError`) to refuse it.
   */
  inspect?: (stats: Stats) => void;
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
const FIRST_BUFFER_BYTES = 16 * 1024;

/** A buffer that grows by doubling up to one byte past the cap: that byte tells "too big". */
class ReadBuffer {
  bytes = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
  used = 0;

  constructor(private readonly maxBytes: number) {}

  /** Room for the next read; empty once the cap is passed. */
  room(): number {
    if (this.used === this.bytes.length && this.used <= this.maxBytes) {
      const grown = Buffer.allocUnsafe(Math.min(this.bytes.length * 2, this.maxBytes + 1));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    return this.bytes.length - this.used;
  }

  get overflowed(): boolean {
    return this.used > this.maxBytes;
  }
}

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;

/** The error of one kind for one path: `Cannot read the baseline "x": <problem>.` */
export function inputFileError(
  kind: InputFileKind,
  path: string,
  problem: string,
  cause?: unknown,
): EarshotError {
  return new EarshotError(kind.code, `Cannot read the ${kind.what} ${quote(path)}: ${problem}.`, { cause });
}

/** What a path that is not a regular file is, in words ("a named pipe (FIFO)"); null for a regular file. */
export function fileTypeName(stats: Stats): string | null {
  if (stats.isFile()) return null;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why a file of this type cannot be read as a file, or null for a regular file. */
export function fileTypeProblem(stats: Stats): string | null {
  const name = fileTypeName(stats);
  if (name === null) return null;
  if (stats.isDirectory()) return `it is ${name}, not a file; give the path of a file`;
  if (stats.isFIFO())
    return `it is ${name}, which earshot does not read; save the data to a file and give that`;
  return `it is ${name}, not a file; give a regular file`;
}

/** What an errno from open or read means for the user, with the fix. */
export function describeReadError(kind: InputFileKind, path: string, error: unknown): string {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return `it does not exist; ${kind.missingHint(path)}`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; run as a user who may read it, or copy it somewhere readable';
    case 'ENOTDIR':
      return 'a part of the path before the file name is not a folder; check the path';
    case 'ELOOP':
      return 'too many symbolic links in the path (a loop?); check the path';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ENXIO':
      return 'it is a socket or a device with nothing behind it, not a file; give a regular file';
    case 'EISDIR':
      return 'it is a folder, not a file; give the path of a file';
    default:
      return `${errnoCode(error) ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * A failed read in a few words, for a warning: the errno behind it (`ENOENT` for a table that is
 * absent, as tcp6 is with IPv6 off), else the message (a FIFO, a table past its cap).
 */
export function readFailure(error: unknown): string {
  const errno = errnoCode(error instanceof EarshotError ? error.cause : error);
  return errno ?? (error instanceof Error ? error.message : String(error));
}

/** The problem of a file past its kind's cap. */
export const tooBig = (kind: InputFileKind): string =>
  `it is larger than ${formatBytes(kind.maxBytes)}, the most earshot reads of a ${kind.what} (see docs/input-limits.md)`;

// A regular file's size is known before reading it (procfs files say 0 and are checked as they are read).
function checkOpened(stats: Stats, path: string, options: Omit<BoundedReadOptions, 'signal'>): void {
  const { kind } = options;
  const problem = fileTypeProblem(stats);
  if (problem) throw inputFileError(kind, path, problem);
  if (stats.size > kind.maxBytes) throw inputFileError(kind, path, tooBig(kind));
  options.inspect?.(stats);
}

/** Reads a regular file of at most `kind.maxBytes`; anything else is the kind's EarshotError. */
export async function readBoundedTextFile(path: string, options: BoundedReadOptions): Promise<string> {
  const { kind, signal } = options;
  signal?.throwIfAborted();
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, OPEN_FLAGS);
    checkOpened(await handle.stat(), path, options);
    const buffer = new ReadBuffer(kind.maxBytes);
    for (;;) {
      signal?.throwIfAborted();
      const room = buffer.room();
      const { bytesRead } = await handle.read(buffer.bytes, buffer.used, room, null);
      if (bytesRead === 0) break;
      buffer.used += bytesRead;
      if (buffer.overflowed) throw inputFileError(kind, path, tooBig(kind));
    }
    return buffer.bytes.toString(options.encoding ?? 'utf8', 0, buffer.used);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof EarshotError) throw error;
    throw inputFileError(kind, path, describeReadError(kind, path, error), error);
  } finally {
    await handle?.close();
  }
}

/**
 * Opens a file for a synchronous bounded read (O_NONBLOCK, then fstat): the descriptor of a regular
 * file within the cap, or the kind's EarshotError. The caller reads at most `kind.maxBytes` and closes it.
 */
export function openRegularFileSync(path: string, options: Omit<BoundedReadOptions, 'signal'>): number {
  const { kind } = options;
  let fd: number | undefined;
  try {
    fd = openSync(path, OPEN_FLAGS);
    checkOpened(fstatSync(fd), path, options);
    return fd;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    if (error instanceof EarshotError) throw error;
    throw inputFileError(kind, path, describeReadError(kind, path, error), error);
  }
}

/**
 * The same read, synchronous, for the /proc walk (thousands of small files, where a promise per
 * file doubles the time; see proc-owners.ts) and the user database it needs.
 */
export function readBoundedTextFileSync(path: string, options: Omit<BoundedReadOptions, 'signal'>): string {
  const { kind } = options;
  const fd = openRegularFileSync(path, options);
  try {
    const buffer = new ReadBuffer(kind.maxBytes);
    for (;;) {
      const room = buffer.room();
      const count = readSync(fd, buffer.bytes, buffer.used, room, null);
      if (count === 0) break;
      buffer.used += count;
      if (buffer.overflowed) throw inputFileError(kind, path, tooBig(kind));
    }
    return buffer.bytes.toString(options.encoding ?? 'utf8', 0, buffer.used);
  } catch (error) {
    if (error instanceof EarshotError) throw error;
    throw inputFileError(kind, path, describeReadError(kind, path, error), error);
  } finally {
    closeSync(fd);
  }
}
