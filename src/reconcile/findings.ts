// The verify vocabulary: each finding kind with its fixed severity, and how findings are ordered.
import type { Finding, FindingKind, Severity, VerdictLevel, VerifyReport } from '../model.js';

/** The severity of each finding kind (docs/verify.md "Findings" documents the same table). */
export const FINDING_SEVERITY: Readonly<Record<FindingKind, Severity>> = {
  'hidden-listener': 'critical',
  'hidden-bound-port': 'critical',
  'not-in-baseline': 'critical',
  'suspicious-owner': 'warning',
  'unregistered-reserved-port': 'warning',
  'missing-from-baseline': 'warning',
  'forwarded-port': 'notice',
  'unknown-service': 'notice',
  'owner-unknown': 'notice',
  'local-only': 'info',
};

const SEVERITY_RANK: Readonly<Record<VerdictLevel, number>> = {
  critical: 4,
  warning: 3,
  notice: 2,
  info: 1,
  ok: 0,
};

/** Orders severities and `ok`, most severe first when used with sort. */
export function compareSeverity(a: VerdictLevel, b: VerdictLevel): number {
  return SEVERITY_RANK[b] - SEVERITY_RANK[a];
}

/** The worse of two verdict levels. */
export function worseLevel(a: VerdictLevel, b: VerdictLevel): VerdictLevel {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** The report's overall verdict: the worst level among its findings, or ok. */
export function overallLevel(report: Pick<VerifyReport, 'summary'>): VerdictLevel {
  const { summary } = report;
  if (summary.critical > 0) return 'critical';
  if (summary.warning > 0) return 'warning';
  if (summary.notice > 0) return 'notice';
  if (summary.info > 0) return 'info';
  return 'ok';
}

/** What a finding is about and says; the severity comes from its kind unless lowered with a reason. */
export interface FindingDraft extends Omit<Finding, 'severity'> {
  /** Only `unregistered-reserved-port` is lowered (to notice) when something explains the port. */
  severity?: Severity;
}

/** Makes a finding from a draft, with the kind's severity unless the draft lowers it. */
export function makeFinding(draft: FindingDraft): Finding {
  return {
    kind: draft.kind,
    severity: draft.severity ?? FINDING_SEVERITY[draft.kind],
    protocol: draft.protocol,
    port: draft.port,
    address: draft.address,
    message: draft.message,
    advice: draft.advice,
    evidence: draft.evidence,
  };
}

/** Most severe first, then by protocol, port and address. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareSeverity(a.severity, b.severity) ||
    a.protocol.localeCompare(b.protocol) ||
    a.port - b.port ||
    a.address.localeCompare(b.address) ||
    a.kind.localeCompare(b.kind)
  );
}
