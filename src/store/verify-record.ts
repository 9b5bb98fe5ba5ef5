// Recording one verify run: the report, and the finding intervals of its source held against it (a
// finding the previous run of that source did not have opens an interval; one it no longer has
// closes its interval). An interrupted run is kept but judges nothing: what it did not finish
// proves nothing cleared.
import type { Finding, VerifyReport } from '../model.js';
import { findingKey } from './finding-intervals.js';
import type { Store } from './store.js';
import type { VerifyRunSource } from './verify-runs.js';

/** What recording a run changed. */
export interface RecordedVerify {
  reportId: string;
  /** Findings the previous run of this source did not have. */
  found: Finding[];
  /** Findings of the previous run that this one no longer has. */
  cleared: Finding[];
}

/** Stores `report` and updates the finding intervals of `source`, in one transaction. */
export function recordVerifyRun(store: Store, report: VerifyReport, source: VerifyRunSource): RecordedVerify {
  return store.write('recording a verify run', () => {
    const reportId = store.verifyRuns.save(report, source);
    if (report.stats.interrupted) return { reportId, found: [], cleared: [] };
    const at = report.stats.endedAt;
    const open = new Map(store.findings.open(source).map((stored) => [stored.key, stored]));
    const found: Finding[] = [];
    const seen = new Set<string>();
    for (const finding of report.findings) {
      const key = findingKey(finding);
      if (seen.has(key)) continue;
      seen.add(key);
      const stored = open.get(key);
      if (stored === undefined) {
        store.findings.found(source, finding, at);
        found.push(finding);
      } else {
        store.findings.seen(stored.id, finding, at);
      }
    }
    const cleared: Finding[] = [];
    for (const [key, stored] of open) {
      if (seen.has(key)) continue;
      store.findings.cleared(stored.id, at);
      cleared.push(stored.finding);
    }
    return { reportId, found, cleared };
  });
}
