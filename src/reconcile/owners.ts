// Owner groups: several processes sharing one socket (a forking server, the guide's four ypbind
// PIDs) read as one owner, `ypbind[653,655,656,657]`.
import type { Owner } from '../model.js';

/** Processes with the same name, executable and user, and their PIDs. */
export interface OwnerGroup {
  name: string;
  exe: string | null;
  user: string | null;
  pids: number[];
}

/** Groups owners by name, executable and user; PIDs ascending, groups by their first PID. */
export function groupOwners(owners: readonly Owner[]): OwnerGroup[] {
  const groups = new Map<string, OwnerGroup>();
  for (const owner of owners) {
    const key = `${owner.name}\0${owner.exe ?? ''}\0${owner.user ?? owner.uid ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        name: owner.name,
        exe: owner.exe,
        user: owner.user ?? (owner.uid === null ? null : String(owner.uid)),
        pids: [],
      };
      groups.set(key, group);
    }
    if (!group.pids.includes(owner.pid)) group.pids.push(owner.pid);
  }
  for (const group of groups.values()) group.pids.sort((a, b) => a - b);
  return [...groups.values()].sort((a, b) => (a.pids[0] ?? 0) - (b.pids[0] ?? 0));
}

/** `ypbind[653,655,656,657]`, groups joined by ", ". */
export function describeOwners(owners: readonly Owner[]): string {
  return groupOwners(owners)
    .map((group) => `${group.name}[${group.pids.join(',')}]`)
    .join(', ');
}

/** Places from which no installed program should run: writable by everyone, or memory-only. */
const WORLD_WRITABLE_PREFIXES = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/', 'memfd:', '/memfd:'];

/** Why an owner looks wrong (deleted or world-writable executable), or null when it does not. */
export function ownerSuspicion(owner: Owner): string | null {
  if (owner.exeDeleted) return `its executable ${owner.exe ?? '(unknown)'} was deleted after it started`;
  const exe = owner.exe;
  if (exe && WORLD_WRITABLE_PREFIXES.some((prefix) => exe.startsWith(prefix))) {
    return `it runs from ${exe}, a place anyone can write to`;
  }
  return null;
}
