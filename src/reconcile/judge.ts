// Findings for one listener row: what the catalog, the portmapper and the owners say about it.
import type { ServiceCatalog } from '../catalog/services.js';
import { describeOwners } from '../describe/owners.js';
import { describeDetected, describeRpc } from '../describe/services.js';
import type { Evidence, OwnerStatus, RpcRegistration, Service } from '../model.js';
import type { FindingDraft } from './findings.js';
import type { PortRow } from './join.js';
import { ownerSuspicion } from './owners.js';

/** What is known about a row beyond its sockets. */
export interface RowContext {
  service: Service | null;
  /** What service detection found answering, if it probed the port. */
  detected: Service | null;
  rpc: RpcRegistration[];
  ownerStatus: OwnerStatus | null;
  /** True when at least one scanned address reached the row (state open). */
  reachable: boolean;
  /** True when the network witness probed this row's port. */
  scanned: boolean;
}

/** Lowest port that needs no privilege to bind (ip(7): ports below 1024 are reserved). */
const FIRST_UNRESERVED_PORT = 1024;

/** Names a port from the catalog. */
export function serviceFor(catalog: ServiceCatalog, row: Pick<PortRow, 'protocol' | 'port'>): Service | null {
  const entry = catalog.lookupPort(row.protocol, row.port);
  if (!entry) return null;
  return entry.description
    ? { name: entry.name, source: entry.source, description: entry.description }
    : { name: entry.name, source: entry.source };
}

/** The findings one listener row earns. */
export function judgeRow(row: PortRow, context: RowContext): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const base = { protocol: row.protocol, port: row.port, address: row.address.text };
  const owners = row.sockets.flatMap((socket) => socket.owners);
  const endpoint = `${row.port}/${row.protocol} on ${row.address.text}`;
  const ownerText = owners.length > 0 ? describeOwners(owners) : null;
  const kernelEvidence: Evidence = {
    witness: 'kernel',
    detail: `listening on ${row.address.text}:${row.port}${ownerText ? `, held by ${ownerText}` : ''}`,
  };

  const systemName = context.service?.source === 'etc-services';
  if (row.port < FIRST_UNRESERVED_PORT && !systemName) {
    const explanations = [
      context.rpc.length > 0 ? describeRpc(context.rpc) : null,
      ownerText ? `owned by ${ownerText}` : null,
    ].filter((text): text is string => text !== null);
    const explained = explanations.length > 0;
    drafts.push({
      ...base,
      kind: 'unregistered-reserved-port',
      severity: explained ? 'notice' : 'warning',
      message: explained
        ? `${endpoint} is a reserved port /etc/services does not name; explained: ${explanations.join(', ')}.`
        : `${endpoint} is a reserved port (only root can bind it) that /etc/services does not name, and nothing explains it.`,
      advice: explained
        ? 'Confirm the program is meant to run here.'
        : 'Find out what holds the port (run as root to see owners) and whether it should.',
      evidence: [
        {
          witness: 'catalog',
          detail: context.service ? `IANA only: ${context.service.name}` : 'no entry in /etc/services',
        },
        kernelEvidence,
        ...context.rpc.map(
          (registration): Evidence => ({ witness: 'rpc', detail: describeRpc([registration]) }),
        ),
      ],
    });
  } else if (context.reachable && !context.service && context.rpc.length === 0) {
    drafts.push({
      ...base,
      kind: 'unknown-service',
      message: `${endpoint} ${row.protocol === 'udp' ? 'takes datagrams from the network (not refused)' : 'answers from the network'}, but no catalog names the port and no RPC registration explains it${context.detected ? `; it speaks ${describeDetected(context.detected)}` : ''}${ownerText ? `; owner: ${ownerText}` : ''}.`,
      advice: 'Check that the owning program is expected; add the port to the baseline once it is.',
      evidence: [
        { witness: 'catalog', detail: 'named neither in /etc/services nor by IANA' },
        kernelEvidence,
        ...(context.detected
          ? [
              {
                witness: 'network',
                detail: `service detection: ${describeDetected(context.detected)}`,
              } satisfies Evidence,
            ]
          : []),
      ],
    });
  }

  for (const owner of owners) {
    const suspicion = ownerSuspicion(owner);
    if (!suspicion) continue;
    drafts.push({
      ...base,
      kind: 'suspicious-owner',
      message: `${endpoint} is held by ${owner.name}[${owner.pid}], and ${suspicion}.`,
      advice: `Inspect process ${owner.pid} (/proc/${owner.pid}/exe still reads the running binary) before stopping it.`,
      evidence: [
        { witness: 'kernel', detail: `owner ${owner.name}[${owner.pid}] exe ${owner.exe ?? 'unknown'}` },
      ],
    });
  }

  if (context.ownerStatus?.kind === 'unknown') {
    drafts.push({
      ...base,
      kind: 'owner-unknown',
      message: `${endpoint}: ${context.ownerStatus.message}.`,
      advice: 'Run earshot as root to see which process holds it.',
      evidence: [kernelEvidence],
    });
  }

  if (context.scanned && !context.reachable) {
    const seen = row.network.map(
      (observation) => `${observation.address}: ${observation.state} (${observation.reason})`,
    );
    drafts.push({
      ...base,
      kind: 'local-only',
      message:
        seen.length > 0
          ? `${endpoint} is listening but did not answer from the scanned addresses (${seen.join('; ')}).`
          : `${endpoint} is listening on an address that was not scanned.`,
      advice:
        seen.length > 0
          ? 'Normal when a firewall guards it.'
          : 'Scan that address too (--interfaces) to see it from the network.',
      evidence: [
        kernelEvidence,
        ...row.network.map(
          (o): Evidence => ({ witness: 'network', detail: `${o.address}: ${o.state} (${o.reason})` }),
        ),
      ],
    });
  }
  return drafts;
}
