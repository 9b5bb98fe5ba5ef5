// The order of one scan's passes: TCP alone, UDP alone, or TCP first deciding which hosts are up and
// UDP completing them, each address's two results merged into one host.
import type { HostResult } from '../model.js';
import { groupsOf } from './engine/scan-hosts.js';
import type { ScanTarget } from './targets/targets.js';

/** The scans a run makes and what happens to each host they finish. */
export interface ScanPasses {
  targets: Iterable<ScanTarget>;
  scanTcp: boolean;
  scanUdp: boolean;
  /** Targets scanned over TCP and then UDP before the next ones, when both are asked. */
  chunkSize: number;
  /** The TCP scan (connect or SYN) of these targets. */
  scanTcpHosts(targets: Iterable<ScanTarget>): AsyncIterable<HostResult>;
  /** The UDP scan; `skipDiscovery` is true when a TCP pass already found these hosts up. */
  scanUdpHosts(targets: Iterable<ScanTarget>, skipDiscovery: boolean): AsyncIterable<HostResult>;
  /** A host whose scans are all done: detection, OS guess, then record. */
  complete(host: HostResult): Promise<void>;
  /** A host to report as it is (down in the TCP pass: the UDP pass skips it). */
  record(host: HostResult): Promise<void>;
}

/** Runs the passes; rejects with the scans' own error (or the abort reason) when one fails. */
export async function runScanPasses(passes: ScanPasses): Promise<void> {
  const { targets, complete, record } = passes;
  if (!passes.scanUdp) {
    for await (const host of passes.scanTcpHosts(targets)) await complete(host);
    return;
  }
  if (!passes.scanTcp) {
    for await (const host of passes.scanUdpHosts(targets, false)) await complete(host);
    return;
  }
  // Both: a chunk of targets at a time, so the TCP results waiting for their UDP half stay bounded.
  for (const chunk of groupsOf(targets, passes.chunkSize)) {
    const tcpHosts = new Map<string, HostResult>();
    for await (const host of passes.scanTcpHosts(chunk)) {
      if (host.status === 'up') tcpHosts.set(host.address, host);
      else await record(host);
    }
    const udpTargets = [...tcpHosts.values()].map(({ address, family, hostnames }) => ({
      address,
      family,
      hostnames,
    }));
    for await (const host of passes.scanUdpHosts(udpTargets, true)) {
      await complete(mergeHostResults(tcpHosts.get(host.address), host));
      tcpHosts.delete(host.address);
    }
  }
}

/** One host's TCP and UDP results as one (the TCP pass's status, both port lists). */
function mergeHostResults(tcp: HostResult | undefined, udp: HostResult): HostResult {
  if (!tcp) return udp;
  const merged: HostResult = {
    ...tcp,
    ports: [...tcp.ports, ...udp.ports],
    extraPorts: [...tcp.extraPorts, ...udp.extraPorts],
    endedAt: udp.endedAt,
  };
  if (udp.timedOut) merged.timedOut = true;
  return merged;
}
