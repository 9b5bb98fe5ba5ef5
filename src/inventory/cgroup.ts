// Reads the systemd unit and container id a process belongs to from /proc/<pid>/cgroup (cgroups(7)).

/** What a cgroup file says about a process. */
export interface CgroupInfo {
  /** systemd unit (`ssh.service`, `session-2.scope`), when the path names one. */
  unit: string | null;
  /** Container id (64 hex digits for docker, podman, containerd, CRI-O; the name for LXC). */
  container: string | null;
}

// docker-<id>.scope, libpod-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, /docker/<id>,
// /kubepods/<qos>/pod<uid>/<id>.
const CONTAINER_ID = /^(?:[a-z][a-z-]*-)?([0-9a-f]{64})(?:\.scope)?$/;
const LXC = /^lxc\.payload\.(.+)$/;
const UNIT = /\.(?:service|scope)$/;

function pathOf(line: string): string | null {
  // hierarchy-ID:controller-list:cgroup-path; the path may itself contain ':'.
  const first = line.indexOf(':');
  const second = first < 0 ? -1 : line.indexOf(':', first + 1);
  return second < 0 ? null : line.slice(second + 1);
}

/** Parses a /proc/<pid>/cgroup file (v1 or v2) for a systemd unit and a container id. */
export function parseCgroup(text: string): CgroupInfo {
  let unitPath: string | null = null;
  let container: string | null = null;
  for (const line of text.split('\n')) {
    const path = pathOf(line);
    if (path === null) continue;
    // The unified (v2) hierarchy, else systemd's own v1 hierarchy, names the unit.
    if (line.startsWith('0::') || (unitPath === null && line.includes(':name=systemd:'))) unitPath = path;
    const segments = path.split('/');
    for (let i = 0; i < segments.length && container === null; i++) {
      const segment = segments[i]!;
      const id = CONTAINER_ID.exec(segment)?.[1] ?? LXC.exec(segment)?.[1];
      if (id !== undefined) container = id;
      else if (segment === 'lxc' && segments[i + 1]) container = segments[i + 1]!;
    }
  }
  const unit = unitPath?.split('/').findLast((segment) => UNIT.test(segment)) ?? null;
  return { unit, container };
}
