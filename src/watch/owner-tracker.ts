// Who holds each listening socket, kept up to date without walking every process's fds each second.
//
// A full walk reads every /proc/<pid>/fd link on the host (thousands on a busy one). Between walks,
// owners change in three ways, each handled at its own cost:
// - a new socket: walk the processes, newest pid first, only until each new inode was found once. A
//   socket that was not listening at the last update has at most one holder among the processes that
//   existed then, its creator: the children it forks later are new processes, walked below;
// - a new process (fork, exec of a socket-activated service): walk only the new pids' fds, looking
//   for every tracked inode, since a child inherits its parent's sockets;
// - a process that exited: drop it from the owners it was in. Each owner's /proc/<pid>/stat is read
//   every update: a killed child whose parent has not reaped it yet is still listed in /proc, as a
//   zombie (state Z) holding no fds.
// What these miss (a living process that closes its copy of a shared socket, or receives one over a
// unix socket, or a socket shared by a fork before it started to listen) is caught by a full walk
// every `rescanMs`. bench/watch.ts measures the detection latency this keeps low.
import { readdirSync, readlinkSync } from 'node:fs';
import { listPids, readPasswd, readProcFileOrNull, scanSocketOwners } from '../inventory/proc-owners.js';
import type { Owner } from '../model.js';

/** Options of OwnerTracker. */
export interface OwnerTrackerOptions {
  procRoot: string;
  passwdPath?: string;
  /** How often to walk every process anyway (default 60 s). */
  rescanMs?: number;
}

const byPid = (a: Owner, b: Owner) => a.pid - b.pid;

/** The pids (newest first) holding each of `inodes`, stopping once every one was found in some process. */
function firstHolders(procRoot: string, pids: readonly number[], inodes: ReadonlySet<number>): number[] {
  const found = new Set<number>();
  const holders: number[] = [];
  const newestFirst = [...pids].sort((a, b) => b - a);
  for (const pid of newestFirst) {
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${pid}/fd`);
    } catch {
      // Exited, or not ours to read (inventory's full walk reports EACCES).
      continue;
    }
    let holds = false;
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (!inodes.has(inode)) continue;
      found.add(inode);
      holds = true;
    }
    if (holds) holders.push(pid);
    if (found.size === inodes.size) break;
  }
  return holders;
}

function merge(into: Map<number, Owner[]>, found: Map<number, Owner[]>): void {
  for (const [inode, owners] of found) {
    const current = into.get(inode) ?? [];
    const pids = new Set(current.map((owner) => owner.pid));
    into.set(inode, [...current, ...owners.filter((owner) => !pids.has(owner.pid))].sort(byPid));
  }
}

/** The owners of a set of socket inodes, followed from one update to the next. */
export class OwnerTracker {
  readonly #procRoot: string;
  readonly #rescanMs: number;
  readonly #users: Map<number, string>;
  /** Every inode looked up, with the owners found (possibly none). */
  readonly #owners = new Map<number, Owner[]>();
  #knownPids = new Set<number>();
  #lastFullMs = Number.NEGATIVE_INFINITY;
  /** How many full walks and partial walks were made (for the benchmark). */
  readonly walks = { full: 0, newSockets: 0, newProcesses: 0 };

  constructor(options: OwnerTrackerOptions) {
    this.#procRoot = options.procRoot;
    this.#rescanMs = options.rescanMs ?? 60_000;
    this.#users = readPasswd(options.passwdPath ?? '/etc/passwd', {
      optional: options.passwdPath === undefined,
    });
  }

  /** Brings the owners of `inodes` (the listening sockets now) up to date; false when none changed. */
  update(inodes: ReadonlySet<number>, nowMs: number, signal?: AbortSignal): boolean {
    const pids = listPids(this.#procRoot);
    const pidSet = new Set(pids);
    let changed = false;
    for (const inode of this.#owners.keys()) {
      if (!inodes.has(inode)) {
        this.#owners.delete(inode);
        changed = true;
      }
    }
    const scan = (scanPids: readonly number[], wanted: ReadonlySet<number>) =>
      scanSocketOwners({
        procRoot: this.#procRoot,
        users: this.#users,
        pids: scanPids,
        inodes: wanted,
        ...(signal ? { signal } : {}),
      }).owners;
    if (nowMs - this.#lastFullMs >= this.#rescanMs) {
      const found = scan(pids, inodes);
      this.#owners.clear();
      for (const inode of inodes) this.#owners.set(inode, found.get(inode) ?? []);
      this.#lastFullMs = nowMs;
      this.#knownPids = pidSet;
      this.walks.full++;
      return true;
    }
    const dead = new Set<number>();
    const checked = new Set<number>();
    for (const owners of this.#owners.values()) {
      for (const { pid } of owners) {
        if (checked.has(pid)) continue;
        checked.add(pid);
        if (!pidSet.has(pid) || !this.#alive(pid)) dead.add(pid);
      }
    }
    if (dead.size > 0) {
      changed = true;
      for (const [inode, owners] of this.#owners) {
        if (owners.some((owner) => dead.has(owner.pid)))
          this.#owners.set(
            inode,
            owners.filter((owner) => !dead.has(owner.pid)),
          );
      }
    }
    const newInodes = new Set<number>();
    for (const inode of inodes) if (!this.#owners.has(inode)) newInodes.add(inode);
    const newPids = pids.filter((pid) => !this.#knownPids.has(pid));
    if (newInodes.size > 0) {
      // New pids are walked below for every inode, the new ones included.
      const known = newPids.length > 0 ? pids.filter((pid) => this.#knownPids.has(pid)) : pids;
      const found = scan(firstHolders(this.#procRoot, known, newInodes), newInodes);
      for (const inode of newInodes) this.#owners.set(inode, found.get(inode) ?? []);
      this.walks.newSockets++;
      changed = true;
    }
    if (newPids.length > 0 && inodes.size > 0) {
      const found = scan(newPids, inodes);
      merge(this.#owners, found);
      this.walks.newProcesses++;
      if (found.size > 0) changed = true;
    }
    this.#knownPids = pidSet;
    return changed;
  }

  /** False for a process that exited or is a zombie (proc(5): stat field 3, the state, is Z or X). */
  #alive(pid: number): boolean {
    const stat = readProcFileOrNull(`${this.#procRoot}/${pid}/stat`);
    if (stat === null) return false;
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  }

  /** The processes holding `inode`, by pid; [] when none was seen (or it was never looked up). */
  ownersOf(inode: number): Owner[] {
    return this.#owners.get(inode) ?? [];
  }
}
