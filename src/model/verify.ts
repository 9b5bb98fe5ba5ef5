// verify's part of the contract: each port's evidence and verdict, the findings, the witnesses
// (`earshot verify --json`). Types only.
import type { Owner, OwnerStatus } from './kernel.js';
import type { AddressFamily, PortReason, PortState, Protocol, RpcRegistration, Service } from './network.js';

/** How much a finding matters; verify's exit status follows the highest. */
export type Severity = 'critical' | 'warning' | 'notice' | 'info';

/** The fixed vocabulary of verify findings (docs/verify.md "Findings"). */
export type FindingKind =
  | 'hidden-listener'
  | 'hidden-bound-port'
  | 'forwarded-port'
  | 'unregistered-reserved-port'
  | 'unknown-service'
  | 'suspicious-owner'
  | 'owner-unknown'
  | 'local-only'
  | 'not-in-baseline'
  | 'missing-from-baseline';

/** The independent sources verify consults. */
export type Witness = 'network' | 'kernel' | 'bind' | 'rpc' | 'catalog' | 'conntrack' | 'baseline';

/** One fact a witness contributed to a verdict. */
export interface Evidence {
  witness: Witness;
  detail: string;
}

/** A verdict about an endpoint, with what was seen and what to do next. */
export interface Finding {
  kind: FindingKind;
  severity: Severity;
  protocol: Protocol;
  port: number;
  /** The endpoint's address (listen address, or the scanned address for hidden ports). */
  address: string;
  message: string;
  /** What the user should do next. */
  advice: string;
  evidence: Evidence[];
}

/** What one scanned address showed for a port. */
export interface NetworkObservation {
  address: string;
  state: PortState;
  reason: PortReason;
}

/** The overall reading of one port: `ok` or the severity of its worst finding. */
export type VerdictLevel = 'ok' | Severity;

/** One listening (or reachable, or bound) port of the verify report, with every witness's view. */
export interface VerifyPort {
  protocol: Protocol;
  port: number;
  /** Local address of the kernel socket, or the scanned address when no socket explains it. */
  address: string;
  family: AddressFamily;
  /** What the scan saw at each scanned address this endpoint answers for (empty: not scanned/reached). */
  network: NetworkObservation[];
  /** Whether the network witness probed this port at all (false: a port outside -p, or UDP not scanned). */
  networkScanned: boolean;
  /** True when a kernel socket table lists this endpoint as listening (TCP LISTEN, UDP bound). */
  inKernelTable: boolean;
  owners: Owner[];
  ownerStatus: OwnerStatus | null;
  service: Service | null;
  /** What service detection found answering there (verify probes ports the catalog does not explain). */
  detected: Service | null;
  rpc: RpcRegistration[];
  verdict: { level: VerdictLevel; summary: string; findings: FindingKind[] };
}

/** Whether a witness could testify, and what limited it. */
export interface WitnessStatus {
  witness: Witness;
  available: boolean;
  detail: string;
}

/** The whole result of `earshot verify`. */
export interface VerifyReport {
  tool: 'earshot';
  version: string;
  kind: 'verify';
  args: string[];
  host: { hostname: string; privileged: boolean };
  scanned: { addresses: string[]; protocols: Protocol[]; portCount: number; portSpec: string };
  witnesses: WitnessStatus[];
  ports: VerifyPort[];
  findings: Finding[];
  summary: Record<Severity, number>;
  stats: { startedAt: string; endedAt: string; elapsedMs: number; interrupted: boolean };
}
