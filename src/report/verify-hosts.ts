// The per-address view of a verify report that nmap XML and diff need: which ports the network saw
// at each scanned address, and who holds them, in one line.
import type { Owner, PortResult, VerifyPort, VerifyReport } from '../model.js';

/** `sshd[400,401] (root), nginx[77] (www-data)`: the processes holding a socket, grouped by name and user. */
export function formatOwners(owners: readonly Owner[]): string {
  const groups = new Map<string, { name: string; user: string | null; pids: number[] }>();
  for (const owner of owners) {
    const key = `${owner.name}\u0000${owner.user ?? owner.uid ?? ''}`;
    const group = groups.get(key) ?? {
      name: owner.name,
      user: owner.user ?? (owner.uid === null ? null : String(owner.uid)),
      pids: [],
    };
    group.pids.push(owner.pid);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(
      (group) =>
        `${group.name}[${group.pids.sort((a, b) => a - b).join(',')}]${group.user ? ` (${group.user})` : ''}`,
    )
    .join(', ');
}

/** The ports the network saw at `address`, as scan results, each with its verify row. */
export function portsSeenAt(
  report: VerifyReport,
  address: string,
): { result: PortResult; row: VerifyPort }[] {
  const seen: { result: PortResult; row: VerifyPort }[] = [];
  for (const row of report.ports) {
    for (const observation of row.network) {
      if (observation.address !== address) continue;
      seen.push({
        row,
        result: {
          protocol: row.protocol,
          port: row.port,
          state: observation.state,
          reason: observation.reason,
          service: row.service,
        },
      });
    }
  }
  return seen;
}

/** `notice: ypbind (RPC 100007 v2) ...`: a port's verdict in one line. */
export function verdictLine(row: VerifyPort): string {
  return `${row.verdict.level}: ${row.verdict.summary}`;
}
