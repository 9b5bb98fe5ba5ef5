// Host discovery for connect scans, the way nmap does it without raw sockets: a host is up when
// anything answers (SYN-ACK or RST) on a few common ports; ICMP errors and silence mean down.
import type { AddressFamily, HostStatus, HostStatusReason } from '../../model.js';
import { isOwnAddress, readOwnAddresses } from '../targets/own-addresses.js';
import { runTcpProbes } from '../tcp/tcp-connect.js';
import { Outcome } from './outcome.js';
import type { TimingOptions } from './timing.js';

/** Ports tried to find out whether a host is up (nmap's unprivileged ping uses 80 and 443). */
export const DISCOVERY_PORTS: readonly number[] = [80, 443, 22];

/** One host's discovery verdict. */
export interface DiscoveryResult {
  status: HostStatus;
  reason: HostStatusReason;
  /** Smoothed round trip of the answers, when any came. */
  srttMs: number | null;
}

/** Asks every address whether it is up; results are in the order given. */
export async function discoverHosts(
  hosts: readonly { address: string; family: AddressFamily }[],
  timing: Readonly<TimingOptions>,
  options: { signal?: AbortSignal } = {},
): Promise<DiscoveryResult[]> {
  const results: DiscoveryResult[] = hosts.map(() => ({
    status: 'up',
    reason: 'localhost-response',
    srttMs: null,
  }));
  // This host's own addresses answer from the kernel itself, as nmap's localhost-response says.
  const own = readOwnAddresses();
  const probed = hosts
    .map((host, at) => ({ host, at }))
    .filter(({ host }) => !isOwnAddress(host.address, own));
  if (probed.length === 0) return results;
  // Retrying a silent host many times only delays the verdict; nmap's ping retries little too.
  const discoveryTiming = { ...timing, maxRetries: Math.min(timing.maxRetries, 1) };
  await runTcpProbes(
    probed
      .map(({ host }) => ({ address: host.address, family: host.family, ports: DISCOVERY_PORTS }))
      [Symbol.iterator](),
    discoveryTiming,
    {
      maxActiveHosts: probed.length,
      ...(options.signal ? { signal: options.signal } : {}),
      onHostDone(result) {
        const at = probed[result.index]!.at;
        const seen = new Set(result.outcomes);
        let verdict: Pick<DiscoveryResult, 'status' | 'reason'>;
        if (seen.has(Outcome.open)) verdict = { status: 'up', reason: 'syn-ack' };
        else if (seen.has(Outcome.closed)) verdict = { status: 'up', reason: 'conn-refused' };
        else if (seen.has(Outcome.hostUnreach) || seen.has(Outcome.adminProhibited))
          verdict = { status: 'down', reason: 'host-unreach' };
        else if (seen.has(Outcome.netUnreach)) verdict = { status: 'down', reason: 'net-unreach' };
        else verdict = { status: 'down', reason: 'no-response' };
        results[at] = { ...verdict, srttMs: result.srttMs };
      },
    },
  );
  return results;
}
