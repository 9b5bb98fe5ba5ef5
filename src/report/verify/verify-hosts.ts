// The per-address view of a verify report that nmap XML and diff need: which ports the network saw
// at each scanned address, and who holds them, in one line.
import { describeOwners } from '../../describe/owners.js';
import type { Owner, PortResult, VerifyPort, VerifyReport } from '../../model.js';

/** `sshd[400,401] (root), nginx[77] (www-data)`: the processes holding a socket, grouped, with users. */
export function formatOwnerGroups(owners: readonly Owner[]): string {
  return describeOwners(owners, { user: true });
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
