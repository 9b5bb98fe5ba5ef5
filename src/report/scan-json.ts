// The JSON report of `earshot scan`: the ScanReport of src/model.ts, as documented in the README.
import type { ScanReport } from '../model.js';

/** One JSON document, two-space indented, ending with a newline. */
export function renderScanJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
