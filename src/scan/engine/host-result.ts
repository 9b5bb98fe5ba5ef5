// One host of a pass, finished: its discovery verdict and the engine's outcome bytes turned into the
// contract's HostResult, as the scan streams it out.
import type { ServiceCatalog } from '../../catalog/services.js';
import type { HostResult, Protocol } from '../../model.js';
import type { ScanTarget } from '../targets/targets.js';
import type { DiscoveryResult } from './discovery.js';
import type { EngineHostResult } from './host-roster.js';
import { buildPortResults } from './port-results.js';

/** A host the pass is done with: its discovery verdict and, when it was probed, the engine's result. */
export interface FinishedHost {
  target: ScanTarget;
  verdict: DiscoveryResult;
  engine: EngineHostResult | null;
  startedAt: string;
}

// Hosts of a big scan start and end by the dozen in the same millisecond: format each millisecond
// once, with one memory for start times and one for end times (they alternate).
function isoMemo(): (ms: number) => string {
  let lastMs = Number.NaN;
  let last = '';
  return (ms) => {
    if (ms !== lastMs) {
      lastMs = ms;
      last = new Date(ms).toISOString();
    }
    return last;
  };
}
const startIso = isoMemo();
const endIso = isoMemo();

/** The contract's result of a finished host; down hosts have no ports. */
export function buildHostResult(
  { target, verdict, engine, startedAt }: FinishedHost,
  ports: readonly number[],
  catalog: ServiceCatalog,
  listAllPorts: boolean,
  protocol: Protocol,
): HostResult {
  const built = engine
    ? buildPortResults(ports, engine.outcomes, catalog, listAllPorts, protocol)
    : { ports: [], extraPorts: [] };
  const result: HostResult = {
    address: target.address,
    family: target.family,
    hostnames: target.hostnames,
    status: verdict.status,
    statusReason: verdict.reason,
    ports: built.ports,
    extraPorts: built.extraPorts,
    startedAt: engine ? startIso(engine.startedAtMs) : startedAt,
    endedAt: endIso(engine ? engine.endedAtMs : Date.now()),
  };
  const latency = engine?.srttMs ?? verdict.srttMs;
  if (latency !== null) result.latencyMs = Math.round(latency * 1000) / 1000;
  if (engine?.timedOut) result.timedOut = true;
  return result;
}
