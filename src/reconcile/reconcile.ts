// The reconciler: holds the network's view, the kernel's tables, the bind witness, the portmapper
// and the catalog against each other, endpoint by endpoint, and decides. Pure: no I/O.
import type { ServiceCatalog } from '../catalog/services.js';
import { describeOwners, groupOwners } from '../describe/owners.js';
import { describeDetected, describeRpc } from '../describe/services.js';
import type {
  Finding,
  HostResult,
  Inventory,
  OwnerStatus,
  Protocol,
  RpcRegistration,
  Service,
  Severity,
  VerdictLevel,
  VerifyPort,
} from '../model.js';
import { type Baseline, type BaselineCandidate, baselineMatches, describeBaselineEntry } from './baseline.js';
import { compareFindings, type FindingDraft, makeFinding, worseLevel } from './findings.js';
import { type BindWitnessInput, type ConntrackInput, judgeBoundPorts, judgeUnexplained } from './hidden.js';
import { joinRegistrations, joinWitnesses, type PortRow, type ScannedPorts, wasScanned } from './join.js';
import { judgeRow, serviceFor } from './judge.js';

/** Everything the witnesses said; the reconciler adds nothing of its own. */
export interface ReconcileInput {
  hosts: readonly HostResult[];
  /** The ports the network witness probed, per protocol. */
  scannedPorts: ScannedPorts;
  /** What service detection found, per scanned address and TCP port. */
  detected?: readonly DetectedService[];
  inventory: Inventory;
  bind: readonly BindWitnessInput[];
  rpc: readonly RpcRegistration[];
  conntrack: ConntrackInput;
  catalog: ServiceCatalog;
  baseline: Baseline | null;
}

/** A service that answered on a port of a scanned address. */
export interface DetectedService {
  address: string;
  port: number;
  service: Service;
}

/** The verdicts: one entry per endpoint, and the findings, most severe first. */
export interface ReconcileResult {
  ports: VerifyPort[];
  findings: Finding[];
  summary: Record<Severity, number>;
}

function mergedOwnerStatus(row: PortRow): OwnerStatus | null {
  const statuses = row.sockets.map((socket) => socket.ownerStatus);
  return statuses.find((status) => status.kind === 'known') ?? statuses[0] ?? null;
}

function candidateOf(port: VerifyPort): BaselineCandidate {
  const groups = groupOwners(port.owners);
  return {
    protocol: port.protocol,
    port: port.port,
    address: port.address,
    rpcPrograms: port.rpc.map((registration) => registration.program),
    exes: groups.map((group) => group.exe).filter((exe): exe is string => exe !== null),
    users: groups.map((group) => group.user).filter((user): user is string => user !== null),
    ownersKnown: port.ownerStatus?.kind === 'known' || port.ownerStatus?.kind === 'none',
  };
}

/** Turns a port's BaselineCandidate into the form `earshot baseline save` records. */
export function baselineCandidates(ports: readonly VerifyPort[]): BaselineCandidate[] {
  return ports.filter((port) => port.inKernelTable).map(candidateOf);
}

/** Drift against the baseline: per port (not in it), and entries nothing matched (missing). */
function judgeBaseline(
  ports: readonly VerifyPort[],
  baseline: Baseline,
): { notInBaseline: Map<VerifyPort, FindingDraft>; missing: FindingDraft[] } {
  const notInBaseline = new Map<VerifyPort, FindingDraft>();
  const missing: FindingDraft[] = [];
  const used = new Set<number>();
  for (const port of ports) {
    const candidate = candidateOf(port);
    let matched = false;
    for (const [index, entry] of baseline.listeners.entries()) {
      if (!baselineMatches(entry, candidate)) continue;
      used.add(index);
      matched = true;
    }
    if (matched) continue;
    const owners = port.owners.length > 0 ? describeOwners(port.owners) : 'owner unknown';
    notInBaseline.set(port, {
      kind: 'not-in-baseline',
      protocol: port.protocol,
      port: port.port,
      address: port.address,
      message: `${port.port}/${port.protocol} on ${port.address} (${owners}) is not in the approved baseline.`,
      advice: 'If it is approved, add it to the baseline file (or save a new baseline); if not, stop it.',
      evidence: [
        { witness: 'baseline', detail: 'no entry matches this protocol, port, address, executable and user' },
      ],
    });
  }
  for (const [index, entry] of baseline.listeners.entries()) {
    if (used.has(index)) continue;
    missing.push({
      kind: 'missing-from-baseline',
      protocol: entry.protocol,
      port: entry.port ?? 0,
      address: entry.address ?? '*',
      message: `The approved listener "${describeBaselineEntry(entry)}" is not listening.`,
      advice: 'Check whether the service stopped or moved; update the baseline if the change is intended.',
      evidence: [{ witness: 'baseline', detail: `entry ${index + 1} of the baseline matched no listener` }],
    });
  }
  return { notInBaseline, missing };
}

function summaryText(port: VerifyPort, kinds: readonly string[]): string {
  if (kinds.includes('hidden-listener')) return 'HIDDEN: reachable, absent from the kernel table';
  if (kinds.includes('hidden-bound-port')) return 'HIDDEN: bound, absent from every table';
  if (kinds.includes('forwarded-port')) return 'forwarded: no local listener';
  const parts: string[] = [];
  if (port.rpc.length > 0) parts.push(describeRpc(port.rpc));
  else if (port.detected) parts.push(describeDetected(port.detected));
  else if (port.service) parts.push(port.service.name);
  if (port.owners.length > 0) parts.push(`owned by ${describeOwners(port.owners)}`);
  else if (port.ownerStatus?.kind === 'unknown') parts.push(port.ownerStatus.message);
  else if (port.ownerStatus?.kind === 'none') parts.push(port.ownerStatus.message);
  return parts.join(', ') || 'listening';
}

/** Reconciles the witnesses into per-endpoint verdicts and findings. */
export function reconcile(input: ReconcileInput): ReconcileResult {
  const { rows, unexplained } = joinWitnesses(input.inventory.sockets, input.hosts, input.scannedPorts);
  const drafts: { port: VerifyPort; drafts: FindingDraft[] }[] = [];
  const detectedAt = (
    protocol: Protocol,
    port: number,
    seen: readonly { address: string }[],
  ): Service | null => {
    if (protocol !== 'tcp') return null;
    const found = input.detected?.find((d) => d.port === port && seen.some((o) => o.address === d.address));
    return found?.service ?? null;
  };
  const rpcAt = (protocol: Protocol, port: number) =>
    input.rpc.filter((registration) => registration.protocol === protocol && registration.port === port);

  const rpcByRow = joinRegistrations(rows, input.rpc);
  for (const row of rows) {
    const rpc = rpcByRow.get(row) ?? [];
    const service = serviceFor(input.catalog, row);
    const ownerStatus = mergedOwnerStatus(row);
    // A silent UDP service is open|filtered: not refused, so something received the datagram.
    const reachable = row.network.some(
      (observation) =>
        observation.state === 'open' || (row.protocol === 'udp' && observation.state === 'open|filtered'),
    );
    const scanned = input.hosts.length > 0 && wasScanned(input.scannedPorts, row.protocol, row.port);
    const port: VerifyPort = {
      protocol: row.protocol,
      port: row.port,
      address: row.address.text,
      family: row.address.family,
      network: row.network,
      networkScanned: scanned,
      inKernelTable: true,
      owners: row.sockets.flatMap((socket) => socket.owners),
      ownerStatus,
      service,
      detected: detectedAt(row.protocol, row.port, row.network),
      rpc,
      verdict: { level: 'ok', summary: '', findings: [] },
    };
    drafts.push({
      port,
      drafts: judgeRow(row, { service, detected: port.detected, rpc, ownerStatus, reachable, scanned }),
    });
  }

  const hiddenKeys = new Set<string>();
  for (const answer of unexplained) {
    const draft = judgeUnexplained(answer, input.bind, input.conntrack);
    if (draft.kind === 'hidden-listener') hiddenKeys.add(`${answer.protocol}/${answer.port}`);
    drafts.push({
      port: {
        protocol: answer.protocol,
        port: answer.port,
        address: answer.address.text,
        family: answer.address.family,
        network: [answer.observation],
        networkScanned: true,
        inKernelTable: false,
        owners: [],
        ownerStatus: null,
        service: serviceFor(input.catalog, answer),
        detected: detectedAt(answer.protocol, answer.port, [answer.observation]),
        rpc: rpcAt(answer.protocol, answer.port),
        verdict: { level: 'ok', summary: '', findings: [] },
      },
      drafts: [draft],
    });
  }

  for (const draft of judgeBoundPorts(input.bind, input.inventory.sockets, hiddenKeys)) {
    drafts.push({
      port: {
        protocol: draft.protocol,
        port: draft.port,
        address: draft.address,
        family: draft.address.includes(':') ? 'ipv6' : 'ipv4',
        network: [],
        networkScanned: input.hosts.length > 0 && wasScanned(input.scannedPorts, draft.protocol, draft.port),
        inKernelTable: false,
        owners: [],
        ownerStatus: null,
        service: serviceFor(input.catalog, draft),
        detected: null,
        rpc: rpcAt(draft.protocol, draft.port),
        verdict: { level: 'ok', summary: '', findings: [] },
      },
      drafts: [draft],
    });
  }

  const findings: Finding[] = [];
  if (input.baseline) {
    const drift = judgeBaseline(
      drafts.map((entry) => entry.port),
      input.baseline,
    );
    for (const entry of drafts) {
      const draft = drift.notInBaseline.get(entry.port);
      if (draft) entry.drafts.push(draft);
    }
    for (const missing of drift.missing) findings.push(makeFinding(missing));
  }

  const ports: VerifyPort[] = [];
  for (const entry of drafts) {
    const made = entry.drafts.map(makeFinding);
    for (const finding of made) findings.push(finding);
    let level: VerdictLevel = 'ok';
    for (const finding of made) level = worseLevel(level, finding.severity);
    const kinds = made.map((finding) => finding.kind);
    entry.port.verdict = { level, summary: summaryText(entry.port, kinds), findings: kinds };
    ports.push(entry.port);
  }
  ports.sort(
    (a, b) => a.protocol.localeCompare(b.protocol) || a.port - b.port || a.address.localeCompare(b.address),
  );
  findings.sort(compareFindings);
  const summary: Record<Severity, number> = { critical: 0, warning: 0, notice: 0, info: 0 };
  for (const finding of findings) summary[finding.severity] += 1;
  return { ports, findings, summary };
}
