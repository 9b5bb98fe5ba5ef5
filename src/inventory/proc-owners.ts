// Finds every process that holds each socket: /proc/<pid>/fd links read `socket:[inode]` (proc(5)).
// The scan is synchronous on purpose: thousands of readlink calls in a tight loop beat one promise
// per fd by about 2× in wall time and 3× in CPU (see bench/local.ts), and procfs never blocks on I/O.
import { readdirSync, readlinkSync } from 'node:fs';
import { errnoCode } from '../errors.js';
import { readBoundedTextFileSync } from '../io/bounded-read.js';
import { INPUT_FILES } from '../io/input-files.js';
import type { InventoryWarning, Owner } from '../model.js';
import { parseCgroup } from './cgroup.js';

/** What the owner scan found: the owners of each socket inode, and what it could not see. */
export interface OwnerScan {
  owners: Map<number, Owner[]>;
  /** Processes whose fd table we were not allowed to read (another user's, as non-root). */
  deniedPids: number[];
  warnings: InventoryWarning[];
}

/** Options of scanSocketOwners. */
export interface OwnerScanOptions {
  procRoot: string;
  /** uid → user name, from readPasswd. */
  users: ReadonlyMap<number, string>;
  /** The process ids to look at (the numeric entries of procRoot). */
  pids: readonly number[];
  /** Only these inodes matter; sockets outside them are not looked up. */
  inodes: ReadonlySet<number>;
  signal?: AbortSignal;
}

// Races with exiting processes: the pid or fd vanished between readdir and read.
const VANISHED = new Set(['ENOENT', 'ESRCH']);

function isVanished(error: unknown): boolean {
  return VANISHED.has(errnoCode(error) ?? '');
}

/** The numeric entries of a procfs directory: the process ids. */
export function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const code = name.charCodeAt(0);
    if (code >= 48 && code <= 57 && /^\d+$/.test(name)) pids.push(Number(name));
  }
  return pids;
}

/**
 * Reads /etc/passwd (or another file) into uid → user name. With `optional` (the default path) an
 * unreadable file gives an empty map, and owners show uids; a file the user named must be readable
 * (ERR_CATALOG_READ).
 */
export function readPasswd(path: string, options: { optional?: boolean } = {}): Map<number, string> {
  const users = new Map<number, string>();
  let text: string;
  try {
    text = readBoundedTextFileSync(path, { kind: INPUT_FILES.passwd });
  } catch (error) {
    if (options.optional) return users;
    throw error;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || !/^\d+$/.test(fields[2]!)) continue;
    const uid = Number(fields[2]);
    // passwd(5): the first entry for a uid is the one getpwuid returns.
    if (!users.has(uid)) users.set(uid, fields[0]!);
  }
  return users;
}

/** Boot time in seconds since the epoch (`btime` in /proc/stat), or null when unreadable. */
export function readBootTime(procRoot: string): number | null {
  try {
    const text = readBoundedTextFileSync(`${procRoot}/stat`, {
      kind: INPUT_FILES.processFile,
      encoding: 'latin1',
    });
    const match = /^btime (\d+)$/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// proc(5): starttime is in clock ticks; USER_HZ is 100 on every architecture Linux exposes to users.
const CLOCK_TICKS_PER_SECOND = 100;

/** Parses /proc/<pid>/stat: comm may hold spaces and ')' so fields count from the last ')'. */
export function parseStat(text: string): { name: string; ppid: number; startTicks: number } | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Fields after comm start at field 3 (state); ppid is field 4 and starttime field 22.
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(ppid) || !Number.isInteger(startTicks)) return null;
  return { name: text.slice(open + 1, close), ppid, startTicks };
}

/** A small procfs file (at most the process-file cap), or null when it vanished or is not a file. */
export function readProcFileOrNull(path: string): string | null {
  try {
    return readBoundedTextFileSync(path, { kind: INPUT_FILES.processFile });
  } catch {
    return null;
  }
}

function readLinkOrNull(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

// ECMA-262 §21.4.1.31: a Date holds at most 8.64e15 ms either side of 1970; a doctored --proc-root
// can claim any btime or start tick, and toISOString throws RangeError past that.
const MAX_DATE_MS = 8.64e15;

function isoTimeOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : null;
}

/** Context the per-process reader needs once per scan. */
interface ProcessContext {
  procRoot: string;
  users: ReadonlyMap<number, string>;
  bootTime: number | null;
}

/** Reads what earshot reports about one process; null when it exited meanwhile. */
function readOwner(pid: number, context: ProcessContext): Owner | null {
  const dir = `${context.procRoot}/${pid}`;
  const stat = readProcFileOrNull(`${dir}/stat`);
  if (stat === null) return null;
  const parsed = parseStat(stat);
  const status = readProcFileOrNull(`${dir}/status`) ?? '';
  // status: "Uid: real effective saved fs"; the effective uid is the one ps calls USER.
  const uidMatch = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
  const uid = uidMatch ? Number(uidMatch[1]) : null;
  const cmdline = readProcFileOrNull(`${dir}/cmdline`) ?? '';
  const link = readLinkOrNull(`${dir}/exe`);
  const exeDeleted = link?.endsWith(' (deleted)') ?? false;
  const cgroup = parseCgroup(readProcFileOrNull(`${dir}/cgroup`) ?? '');
  const startTime =
    parsed && context.bootTime !== null
      ? isoTimeOrNull((context.bootTime + parsed.startTicks / CLOCK_TICKS_PER_SECOND) * 1000)
      : null;
  return {
    pid,
    ppid: parsed?.ppid ?? null,
    name: parsed?.name ?? '',
    cmdline: cmdline === '' ? [] : cmdline.replace(/\0$/, '').split('\0'),
    exe: link === null ? null : exeDeleted ? link.slice(0, -' (deleted)'.length) : link,
    exeDeleted,
    uid,
    user: uid === null ? null : (context.users.get(uid) ?? null),
    startTime,
    unit: cgroup.unit,
    container: cgroup.container,
  };
}

/** Maps socket inodes to every process holding them, reading each /proc/<pid>/fd once. */
export function scanSocketOwners(options: OwnerScanOptions): OwnerScan {
  const { procRoot, inodes, signal } = options;
  const pidsByInode = new Map<number, number[]>();
  const deniedPids: number[] = [];
  const warnings: InventoryWarning[] = [];
  for (let index = 0; index < options.pids.length; index++) {
    if ((index & 63) === 0 && signal?.aborted) throw signal.reason;
    const pid = options.pids[index]!;
    const fdDir = `${procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(fdDir);
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EACCES' || code === 'EPERM') deniedPids.push(pid);
      else if (!isVanished(error))
        warnings.push({ source: fdDir, message: `cannot list fds: ${code ?? String(error)}` });
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${fdDir}/${fd}`);
      } catch {
        // The fd closed after readdir, or the process exited: nothing to report.
        continue;
      }
      if (!target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (!inodes.has(inode)) continue;
      const holders = pidsByInode.get(inode);
      if (holders === undefined) pidsByInode.set(inode, [pid]);
      // One process often holds a socket through several fds (dup, fork): list it once.
      else if (holders[holders.length - 1] !== pid) holders.push(pid);
    }
  }
  const context: ProcessContext = {
    procRoot,
    users: options.users,
    bootTime: readBootTime(procRoot),
  };
  const ownerByPid = new Map<number, Owner | null>();
  const owners = new Map<number, Owner[]>();
  for (const [inode, pids] of pidsByInode) {
    const list: Owner[] = [];
    for (const pid of pids) {
      let owner = ownerByPid.get(pid);
      if (owner === undefined) {
        owner = readOwner(pid, context);
        ownerByPid.set(pid, owner);
      }
      if (owner) list.push(owner);
    }
    if (list.length > 0) owners.set(inode, list);
  }
  return { owners, deniedPids, warnings };
}
