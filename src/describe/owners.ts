// Owners in words, the one place that writes `name[pids]`: several processes sharing one socket (a
// forking server, the guide's four ypbind PIDs) read as one owner, `ypbind[653,655,656,657]`, in
// verdicts, findings and every report format alike.
import type { Owner } from '../model.js';

/** Processes with the same name, executable and (unless grouped by process only) user, and their PIDs. */
export interface OwnerGroup {
  name: string;
  exe: string | null;
  exeDeleted: boolean;
  user: string | null;
  pids: number[];
}

/**
 * What makes two owners one group: the same name, executable and user (`process-and-user`, verify),
 * or the same name and executable, a deleted one apart, as `ss -p` lists them (`process`, local).
 */
export type OwnerGrouping = 'process-and-user' | 'process';

function userOf(owner: Owner): string | null {
  return owner.user ?? (owner.uid === null ? null : String(owner.uid));
}

function keyOf(owner: Owner, grouping: OwnerGrouping): string {
  if (grouping === 'process')
    return `${owner.name}\0${owner.exe ?? ''}\0${owner.exeDeleted ? 'deleted' : ''}`;
  return `${owner.name}\0${owner.exe ?? ''}\0${owner.user ?? owner.uid ?? ''}`;
}

/** Groups owners; PIDs ascending, groups by their first PID. */
export function groupOwners(
  owners: readonly Owner[],
  grouping: OwnerGrouping = 'process-and-user',
): OwnerGroup[] {
  const groups = new Map<string, OwnerGroup>();
  for (const owner of owners) {
    const key = keyOf(owner, grouping);
    let group = groups.get(key);
    if (!group) {
      group = {
        name: owner.name,
        exe: owner.exe,
        exeDeleted: owner.exeDeleted,
        user: userOf(owner),
        pids: [],
      };
      groups.set(key, group);
    }
    if (!group.pids.includes(owner.pid)) group.pids.push(owner.pid);
  }
  for (const group of groups.values()) group.pids.sort((a, b) => a - b);
  return [...groups.values()].sort((a, b) => (a.pids[0] ?? 0) - (b.pids[0] ?? 0));
}

/** What to write after `name[pids]`: the executable (`/usr/sbin/ypbind (deleted)`), the user (`(root)`). */
export interface OwnerDetail {
  exe?: boolean;
  user?: boolean;
}

/** `ypbind[653,655]`, with ` /usr/sbin/ypbind` and ` (root)` when asked and known. */
export function formatOwnerGroup(group: OwnerGroup, detail: OwnerDetail = {}): string {
  const exe = detail.exe && group.exe !== null ? ` ${group.exe}${group.exeDeleted ? ' (deleted)' : ''}` : '';
  const user = detail.user && group.user ? ` (${group.user})` : '';
  return `${group.name}[${group.pids.join(',')}]${exe}${user}`;
}

/** `sshd[400,401], nginx[77]`: a socket's owners grouped by process and user, joined by ", ". */
export function describeOwners(owners: readonly Owner[], detail: OwnerDetail = {}): string {
  return groupOwners(owners)
    .map((group) => formatOwnerGroup(group, detail))
    .join(', ');
}
