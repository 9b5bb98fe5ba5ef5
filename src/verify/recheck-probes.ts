// The second probes of recheck.ts: endpoints asked again over the network (through the scan engine,
// so that its rules, self-connects included, are the same as the first time), ports asked again of
// the bind witness, and the fresh network answers written into the hosts' results.
import type { ServiceCatalog } from '../catalog/services.js';
import { probeBoundPorts } from '../inventory/bind-probe.js';
import type { ExtraPorts, HostResult, PortResult, Protocol } from '../model.js';
import type { ReconcileInput } from '../reconcile/reconcile.js';
import { scanHosts, scanUdpHosts } from '../scan/engine/scan-hosts.js';
import type { ScanTarget } from '../scan/targets/targets.js';

/** One protocol, address and port, as the scan saw it. */
export interface Endpoint {
  protocol: Protocol;
  address: string;
  port: number;
}

/** `tcp 127.0.0.1 22`: the key of an endpoint in maps and sets. */
export const endpointKey = (protocol: Protocol, address: string, port: number): string =>
  `${protocol} ${address} ${port}`;

/** Probes each endpoint again, per address and protocol; the fresh results by endpoint key. */
export async function probeAgain(
  endpoints: readonly Endpoint[],
  options: { targets: readonly ScanTarget[]; catalog: ServiceCatalog; signal: AbortSignal },
): Promise<Map<string, PortResult>> {
  const groups = new Map<string, { target: ScanTarget; protocol: Protocol; ports: Set<number> }>();
  for (const { protocol, address, port } of endpoints) {
    const key = `${protocol} ${address}`;
    let group = groups.get(key);
    if (!group) {
      const target = options.targets.find((candidate) => candidate.address === address) ?? {
        address,
        family: address.includes(':') ? ('ipv6' as const) : ('ipv4' as const),
        hostnames: [],
      };
      group = { target, protocol, ports: new Set() };
      groups.set(key, group);
    }
    group.ports.add(port);
  }
  const fresh = new Map<string, PortResult>();
  for (const { target, protocol, ports } of groups.values()) {
    const scan = protocol === 'tcp' ? scanHosts : scanUdpHosts;
    const settings = { ports: [...ports], skipDiscovery: true, listAllPorts: true, threads: 1 };
    for await (const host of scan([target], {
      ...settings,
      catalog: options.catalog,
      signal: options.signal,
    })) {
      for (const result of host.ports) fresh.set(endpointKey(protocol, host.address, result.port), result);
    }
  }
  return fresh;
}

type BindTestimony = ReconcileInput['bind'];

/**
 * Asks the bind witness again about ports it found in use; returns its testimony with the ports now
 * free taken out (a socket that came and went held them), and how many those were.
 */
export async function bindAgain(
  bind: BindTestimony,
  ports: readonly { protocol: Protocol; port: number }[],
  signal: AbortSignal,
): Promise<{ bind: BindTestimony; freed: number }> {
  if (ports.length === 0) return { bind, freed: 0 };
  const stillInUse = new Set<string>();
  for (const witness of bind) {
    const mine = ports.filter((entry) => entry.protocol === witness.protocol).map((entry) => entry.port);
    if (!witness.available || mine.length === 0) continue;
    const again = await probeBoundPorts({
      protocol: witness.protocol,
      family: witness.family,
      ports: mine,
      signal,
    });
    if (!again.available) for (const port of mine) stillInUse.add(`${witness.protocol}/${port}`);
    for (const port of again.inUse) stillInUse.add(`${witness.protocol}/${port}`);
  }
  const freed = new Set(
    ports.map(({ protocol, port }) => `${protocol}/${port}`).filter((key) => !stillInUse.has(key)),
  );
  if (freed.size === 0) return { bind, freed: 0 };
  return {
    bind: bind.map((witness) => ({
      ...witness,
      inUse: witness.inUse.filter((port) => !freed.has(`${witness.protocol}/${port}`)),
    })),
    freed: freed.size,
  };
}

const extraProtocol = (extra: ExtraPorts): Protocol => extra.protocol ?? 'tcp';

// A host result holds one protocol's ports (verify's TCP and UDP results of an address come apart).
function holdsProtocol(host: HostResult, protocol: Protocol): boolean {
  return (
    host.ports.some((port) => port.protocol === protocol) ||
    host.extraPorts.some((extra) => extraProtocol(extra) === protocol)
  );
}

/**
 * The hosts with each fresh answer written over the first: a listed port takes the fresh result, a
 * folded one ("not shown") is listed with it and leaves the fold. Counts answers that were open and
 * are not any more, and the other way round.
 */
export function withFreshPorts(
  hosts: readonly HostResult[],
  fresh: ReadonlyMap<string, PortResult>,
): { hosts: HostResult[]; gone: number; found: number } {
  let gone = 0;
  let found = 0;
  const updated = hosts.map((host) => {
    let ports = host.ports;
    let extraPorts = host.extraPorts;
    for (const [key, result] of fresh) {
      if (!key.startsWith(`${result.protocol} ${host.address} `) || !holdsProtocol(host, result.protocol))
        continue;
      const index = ports.findIndex((port) => port.protocol === result.protocol && port.port === result.port);
      const before =
        index >= 0
          ? ports[index]!.state
          : extraPorts.find((extra) => extraProtocol(extra) === result.protocol)?.state;
      if (before === undefined || before === result.state) continue;
      if (before === 'open') gone++;
      if (result.state === 'open') found++;
      if (index >= 0) ports = ports.map((port, at) => (at === index ? result : port));
      else {
        ports = [...ports, result].sort((a, b) => a.port - b.port);
        extraPorts = extraPorts
          .map((extra) =>
            extraProtocol(extra) === result.protocol && extra.state === before
              ? { ...extra, count: extra.count - 1 }
              : extra,
          )
          .filter((extra) => extra.count > 0);
      }
    }
    return ports === host.ports ? host : { ...host, ports, extraPorts };
  });
  return { hosts: updated, gone, found };
}
