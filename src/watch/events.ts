// Building events: each gets a random id, the time, the host's name and its severity.
import { randomUUID } from 'node:crypto';
import type { EarshotEvent, EarshotEventType, Finding, Owner, Severity, VerifyReport } from '../model.js';
import type { Listener } from './listener-diff.js';

/** What every event of one watch shares. */
export interface EventContext {
  host: string;
  time: string;
}

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'warning', 'notice', 'info'];

function base(
  type: EarshotEventType,
  severity: Severity,
  context: EventContext,
): Pick<EarshotEvent, 'id' | 'type' | 'time' | 'host' | 'severity'> {
  return { id: randomUUID(), type, time: context.time, host: context.host, severity };
}

/** listener-opened, listener-closed or owners-changed for a listener. */
export function listenerEvent(
  type: 'listener-opened' | 'listener-closed' | 'owners-changed',
  listener: Pick<Listener, 'protocol' | 'address' | 'port' | 'owners'>,
  context: EventContext,
  extra: { previousOwners?: Owner[]; openedAt?: string } = {},
): EarshotEvent {
  return {
    ...base(type, type === 'listener-closed' ? 'info' : 'notice', context),
    protocol: listener.protocol,
    port: listener.port,
    address: listener.address,
    owners: listener.owners,
    ...extra,
  };
}

/** A finding that appeared, or one that cleared, with the owners its port row names. */
export function findingEvent(
  type: 'finding' | 'finding-cleared',
  finding: Finding,
  owners: Owner[],
  context: EventContext,
): EarshotEvent {
  return {
    ...base(type, type === 'finding' ? finding.severity : 'info', context),
    protocol: finding.protocol,
    port: finding.port,
    address: finding.address,
    owners,
    finding,
  };
}

/** The summary event of one verify run. */
export function verifyEvent(
  report: VerifyReport,
  reportId: string,
  counts: { newFindings: number; clearedFindings: number },
  context: EventContext,
): EarshotEvent {
  const worst =
    SEVERITY_ORDER.find((severity) => severity !== 'info' && report.summary[severity] > 0) ?? 'info';
  return {
    ...base('verify', worst, context),
    protocol: null,
    port: null,
    address: null,
    owners: [],
    verify: {
      reportId,
      startedAt: report.stats.startedAt,
      endedAt: report.stats.endedAt,
      elapsedMs: report.stats.elapsedMs,
      interrupted: report.stats.interrupted,
      summary: report.summary,
      newFindings: counts.newFindings,
      clearedFindings: counts.clearedFindings,
    },
  };
}
