// What the server keeps of an agent's snapshot besides its body: one row per listed port (the
// host's current listeners) and one per finding, keyed so that the same finding in the next report
// is the same row. Pure: a verify report in, rows out.
import type { Finding, Severity, VerifyPort, VerifyReport } from '../../model.js';
import { formatOwnerGroups } from '../../report/verify/verify-hosts.js';

/** Worst first is highest: the fleet page sorts on it. */
export const VERDICT_RANK: Record<'unknown' | 'ok' | Severity, number> = {
  unknown: -1,
  ok: 0,
  info: 1,
  notice: 2,
  warning: 3,
  critical: 4,
};

/** A port of the report as the listeners table holds it. */
export interface ListenerRow {
  protocol: string;
  address: string;
  port: number;
  in_kernel_table: boolean;
  verdict: string;
  summary: string;
  owners: VerifyPort['owners'];
  owner_names: string;
  service: string;
}

/** A finding as the findings table holds it. */
export interface FindingRow {
  fingerprint: string;
  kind: string;
  severity: Severity;
  severity_rank: number;
  protocol: string;
  address: string;
  port: number;
  message: string;
  advice: string;
  evidence: Finding['evidence'];
}

/** The rows one report gives, and its worst verdict. */
export interface SnapshotRows {
  listeners: ListenerRow[];
  findings: FindingRow[];
  worst: 'ok' | Severity;
}

function describeService(port: VerifyPort): string {
  const named = port.service ?? port.detected;
  const service = named ? [named.name, named.product, named.version].filter(Boolean).join(' ') : '';
  const rpc = port.rpc.map((r) => `${r.name ?? r.program} v${r.version}`).join(', ');
  return [service, rpc && `RPC ${rpc}`].filter(Boolean).join('; ');
}

/** The listener rows, finding rows and worst verdict of `report`. */
export function snapshotRows(report: VerifyReport): SnapshotRows {
  const listeners = new Map<string, ListenerRow>();
  for (const port of report.ports) {
    const key = `${port.protocol} ${port.address} ${port.port}`;
    // One row per endpoint: a report never lists one twice, but a body could.
    if (listeners.has(key)) continue;
    listeners.set(key, {
      protocol: port.protocol,
      address: port.address,
      port: port.port,
      in_kernel_table: port.inKernelTable,
      verdict: port.verdict.level,
      summary: port.verdict.summary,
      owners: port.owners,
      owner_names: formatOwnerGroups(port.owners),
      service: describeService(port),
    });
  }
  // suspicious-owner comes once per owner on one endpoint: the message tells those apart.
  const byBase = new Map<string, Finding[]>();
  for (const finding of report.findings) {
    const base = `${finding.kind}|${finding.protocol}|${finding.address}|${finding.port}`;
    byBase.set(base, [...(byBase.get(base) ?? []), finding]);
  }
  const findings = new Map<string, FindingRow>();
  for (const [base, group] of byBase) {
    for (const finding of group) {
      const fingerprint = group.length === 1 ? base : `${base}|${finding.message}`;
      if (findings.has(fingerprint)) continue;
      findings.set(fingerprint, {
        fingerprint,
        kind: finding.kind,
        severity: finding.severity,
        severity_rank: VERDICT_RANK[finding.severity],
        protocol: finding.protocol,
        address: finding.address,
        port: finding.port,
        message: finding.message,
        advice: finding.advice,
        evidence: finding.evidence,
      });
    }
  }
  let worst: 'ok' | Severity = 'ok';
  for (const finding of findings.values()) {
    if (VERDICT_RANK[finding.severity] > VERDICT_RANK[worst]) worst = finding.severity;
  }
  return { listeners: [...listeners.values()], findings: [...findings.values()], worst };
}
