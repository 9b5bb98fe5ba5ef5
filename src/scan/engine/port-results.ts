// One host's outcome bytes, as the engines leave them, turned into the contract's port list: open
// ports and the rarer states listed one by one, the most common other state folded into a count.
import type { ServiceCatalog } from '../../catalog/services.js';
import type { ExtraPorts, PortReason, PortResult, PortState, Protocol } from '../../model.js';
import { describeOutcome, describeUdpOutcome, Outcome } from './outcome.js';

/** Turns one host's outcome bytes (of a TCP or UDP scan) into the contract's port list and folded counts. */
export function buildPortResults(
  ports: readonly number[],
  outcomes: Uint8Array,
  catalog: ServiceCatalog,
  listAllPorts: boolean,
  protocol: Protocol = 'tcp',
): { ports: PortResult[]; extraPorts: ExtraPorts[] } {
  const describe = protocol === 'udp' ? describeUdpOutcome : describeOutcome;
  const counts = new Map<number, number>();
  for (const code of outcomes) if (code !== Outcome.pending) counts.set(code, (counts.get(code) ?? 0) + 1);
  const stateCounts = new Map<PortState, number>();
  for (const [code, count] of counts) {
    const state = describe(code)![0];
    stateCounts.set(state, (stateCounts.get(state) ?? 0) + count);
  }
  // Fold the most common state into a count, as nmap does; open ports are always listed.
  let folded: PortState | null = null;
  if (!listAllPorts) {
    for (const [state, count] of stateCounts) {
      if (state !== 'open' && (folded === null || count > stateCounts.get(folded)!)) folded = state;
    }
  }
  const listed: PortResult[] = [];
  const reasons: Partial<Record<PortReason, number>> = {};
  outcomes.forEach((code, i) => {
    const meaning = describe(code);
    if (!meaning) return;
    const [state, reason] = meaning;
    if (state === folded) {
      reasons[reason] = (reasons[reason] ?? 0) + 1;
      return;
    }
    const port = ports[i]!;
    const entry = catalog.lookupPort(protocol, port);
    listed.push({
      protocol,
      port,
      state,
      reason,
      service: entry ? { name: entry.name, source: entry.source } : null,
    });
  });
  listed.sort((a, b) => a.port - b.port);
  const extraPorts: ExtraPorts[] =
    folded === null
      ? []
      : [
          {
            state: folded,
            count: stateCounts.get(folded)!,
            reasons,
            ...(protocol === 'udp' ? { protocol } : {}),
          },
        ];
  return { ports: listed, extraPorts };
}
