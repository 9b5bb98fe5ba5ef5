// The periodic verify: a full verify (network scan, bind witness, RPC, conntrack, the baseline) whose
// findings are held against the previous run's, so that watch reports a hidden listener too. Each
// finding new since the previous run is a `finding` event, each one gone a `finding-cleared`, and the
// run itself a `verify` event naming the stored report.
import type { EarshotEvent, Finding, Owner, VerifyReport } from '../model.js';
import type { Store } from '../store/store.js';
import { recordVerifyRun } from '../store/verify-record.js';
import { type BaselineSource, type VerifyOptions, verify } from '../verify/verify.js';
import { type EventContext, findingEvent, verifyEvent } from './events.js';

/** What the periodic verify runs with (verify's options less those watch sets itself). */
export type WatchVerifyOptions = Omit<VerifyOptions, 'signal' | 'baseline' | 'procRoot' | 'args'>;

/** One recorded run and the events it made. */
export interface VerifyRunResult {
  reportId: string;
  report: VerifyReport;
  events: EarshotEvent[];
}

function ownersFor(report: VerifyReport, finding: Finding): Owner[] {
  return (
    report.ports.find(
      (port) =>
        port.protocol === finding.protocol && port.port === finding.port && port.address === finding.address,
    )?.owners ?? []
  );
}

/** Runs verify once, stores the report and the finding changes with their events; one transaction. */
export async function runPeriodicVerify(options: {
  store: Store;
  procRoot: string;
  baseline: BaselineSource | null;
  verify: WatchVerifyOptions;
  sinks: readonly string[];
  host: string;
  signal: AbortSignal;
}): Promise<VerifyRunResult> {
  const report = await verify({
    ...options.verify,
    procRoot: options.procRoot,
    baseline: options.baseline,
    args: ['earshot', 'watch'],
    signal: options.signal,
  });
  // Stopped meanwhile: an interrupted run proves nothing, and watch is going away.
  if (options.signal.aborted) throw options.signal.reason;
  const { store } = options;
  return store.write('recording a verify run', () => {
    const recorded = recordVerifyRun(store, report, 'watch');
    const context: EventContext = { host: options.host, time: report.stats.endedAt };
    const events = [
      ...recorded.found.map((finding) =>
        findingEvent('finding', finding, ownersFor(report, finding), context),
      ),
      ...recorded.cleared.map((finding) => findingEvent('finding-cleared', finding, [], context)),
      verifyEvent(
        report,
        recorded.reportId,
        { newFindings: recorded.found.length, clearedFindings: recorded.cleared.length },
        context,
      ),
    ];
    for (const event of events) store.events.append(event, options.sinks);
    return { reportId: recorded.reportId, report, events };
  });
}
