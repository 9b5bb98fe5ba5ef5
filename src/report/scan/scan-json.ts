// The JSON report of `earshot scan`: the ScanReport of src/model.ts, as documented in docs/json.md.
// Also in pieces (head, each host, tail) that join to the very same text, so a scan of a /8 can
// write its JSON host by host instead of keeping every host until the end.
import type { HostResult, ScanReport, ScanStats } from '../../model.js';
import { stringifySafeJson } from '../safe-json.js';

/** One JSON document, two-space indented, ending with a newline; nothing a peer sent acts on a terminal. */
export function renderScanJson(report: ScanReport): string {
  return `${stringifySafeJson(report)}\n`;
}

/** The report's fields before its hosts, up to the opening of the `hosts` array. */
export function renderScanJsonHead(report: Omit<ScanReport, 'hosts' | 'stats'>): string {
  const { tool, version, kind, args, scanInfo } = report;
  const text = stringifySafeJson({ tool, version, kind, args, scanInfo, hosts: [] });
  // `"hosts": []` is the last member: cut the empty array open.
  return text.slice(0, text.lastIndexOf('[]') + 1);
}

/** One host as an element of the `hosts` array; `position` 0 for the first. */
export function renderScanJsonHost(host: HostResult, position: number): string {
  return `${position === 0 ? '' : ','}\n    ${stringifySafeJson(host).replaceAll('\n', '\n    ')}`;
}

/** Closes the `hosts` array (of `hostCount` hosts) and writes the stats and the document's end. */
export function renderScanJsonTail(stats: ScanStats, hostCount: number): string {
  return `${hostCount === 0 ? '' : '\n  '}],\n  "stats": ${stringifySafeJson(stats).replaceAll('\n', '\n  ')}\n}\n`;
}
