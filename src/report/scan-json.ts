// The JSON report of `earshot scan`: the ScanReport of src/model.ts, as documented in docs/json.md.
import type { ScanReport } from '../model.js';
import { stringifySafeJson } from './safe-json.js';

/** One JSON document, two-space indented, ending with a newline; nothing a peer sent acts on a terminal. */
export function renderScanJson(report: ScanReport): string {
  return `${stringifySafeJson(report)}\n`;
}
