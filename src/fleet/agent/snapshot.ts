// The agent's snapshot: verify's JSON report (the published contract the server reads), made of the
// last periodic verify with its kernel side brought up to date from what watch sees now. The
// verdicts and findings stay the verify's own (the agent decides nothing); a listener that closed
// since is left out, one that opened since is listed with its owners as "not verified yet" (a
// notice, no finding), and the report's times span from the verify's start to the moment of the
// snapshot. Pure.
import type { ServiceCatalog } from '../../catalog/services.js';
import type { Owner, Protocol, VerifyPort, VerifyReport } from '../../model.js';
import { serviceFor } from '../../reconcile/judge.js';
import { VERSION } from '../../version.js';
import type { WatchedListener } from '../../watch/start-watch.js';

/** What a snapshot is made of. */
export interface SnapshotInput {
  /** The last periodic verify's report (null before the first one). */
  verified: VerifyReport | null;
  /** The listeners watch sees open now. */
  listeners: readonly WatchedListener[];
  /** Names the ports of listeners the verify did not see (null: none). */
  catalog: ServiceCatalog | null;
  hostname: string;
  privileged: boolean;
  now: Date;
}

const endpointKey = (protocol: Protocol, address: string, port: number) => `${protocol} ${address} ${port}`;

function newListenerPort(listener: WatchedListener, catalog: ServiceCatalog | null): VerifyPort {
  return {
    protocol: listener.protocol,
    port: listener.port,
    address: listener.address,
    family: listener.address.includes(':') ? 'ipv6' : 'ipv4',
    network: [],
    networkScanned: false,
    inKernelTable: true,
    owners: listener.owners,
    ownerStatus: listener.owners.length > 0 ? { kind: 'known' } : null,
    service: catalog ? serviceFor(catalog, listener) : null,
    detected: null,
    rpc: [],
    // notice, as watch rates an opened listener: not "ok" before a verify has judged it.
    verdict: {
      level: 'notice',
      summary: `not verified yet: listening since ${listener.openedAt}, after the last verify`,
      findings: [],
    },
  };
}

function withOwners(port: VerifyPort, owners: Owner[]): VerifyPort {
  if (owners.length === 0) return port;
  return { ...port, owners, ownerStatus: { kind: 'known' } };
}

const PROTOCOL_ORDER: Record<Protocol, number> = { tcp: 0, udp: 1 };

/** The snapshot of this host now, as a verify report. */
export function buildSnapshot(input: SnapshotInput): VerifyReport {
  const { verified, now } = input;
  const open = new Map(input.listeners.map((l) => [endpointKey(l.protocol, l.address, l.port), l]));
  const ports: VerifyPort[] = [];
  const listed = new Set<string>();
  for (const port of verified?.ports ?? []) {
    const key = endpointKey(port.protocol, port.address, port.port);
    // What only the network or bind witness saw (a hidden listener) stays as the verify found it.
    if (!port.inKernelTable) {
      ports.push(port);
      continue;
    }
    const listener = open.get(key);
    if (!listener) continue;
    listed.add(key);
    ports.push(withOwners(port, listener.owners));
  }
  for (const [key, listener] of open) {
    if (!listed.has(key)) ports.push(newListenerPort(listener, input.catalog));
  }
  ports.sort(
    (a, b) =>
      PROTOCOL_ORDER[a.protocol] - PROTOCOL_ORDER[b.protocol] ||
      a.port - b.port ||
      a.address.localeCompare(b.address),
  );

  const tables = `listening tables re-read by earshot agent at ${now.toISOString()}`;
  const witnesses = verified
    ? verified.witnesses.map((w) => (w.witness === 'kernel' ? { ...w, detail: `${w.detail}; ${tables}` } : w))
    : [
        { witness: 'kernel' as const, available: true, detail: tables },
        {
          witness: 'network' as const,
          available: false,
          detail: 'no verify has run on this host yet (earshot agent --verify-every)',
        },
      ];
  const startedAt = verified?.stats.startedAt ?? now.toISOString();
  return {
    tool: 'earshot',
    version: VERSION,
    kind: 'verify',
    args: ['earshot', 'agent'],
    host: { hostname: input.hostname, privileged: input.privileged },
    scanned: verified?.scanned ?? { addresses: [], protocols: [], portCount: 0, portSpec: '' },
    witnesses,
    ports,
    findings: verified?.findings ?? [],
    summary: verified?.summary ?? { critical: 0, warning: 0, notice: 0, info: 0 },
    stats: {
      startedAt,
      endedAt: now.toISOString(),
      elapsedMs: Math.max(0, now.getTime() - Date.parse(startedAt)),
      interrupted: verified?.stats.interrupted ?? false,
    },
  };
}
