// Runs the TCP connect engine once with the connector named on the command line against the
// namespace this process runs in, and prints each host's outcomes as JSON. Used by
// test/scan/tcp/connector.test.ts, which sets up the namespace (listeners, DROP rules, routes).
// argv: connector ('native' | 'tcp_wrap'), then hosts as ADDRESS=PORT,PORT,...

import type { EngineHost } from '../../src/scan/engine/host-state.js';
import { resolveTiming } from '../../src/scan/engine/timing.js';
import type { ConnectorKind } from '../../src/scan/tcp/connector.js';
import { runTcpProbes } from '../../src/scan/tcp/tcp-connect.js';

const [kind, ...specs] = process.argv.slice(2);
const hosts: EngineHost[] = specs.map((spec, id) => {
  const [address, ports] = spec.split('=') as [string, string];
  return {
    id,
    address,
    family: address.includes(':') ? 'ipv6' : 'ipv4',
    ports: ports.split(',').map(Number),
  };
});
const outcomes: number[][] = hosts.map(() => []);
await runTcpProbes(hosts[Symbol.iterator](), resolveTiming(4), {
  maxActiveHosts: hosts.length,
  connector: kind as ConnectorKind,
  onHostDone: (result) => {
    outcomes[result.index] = [...result.outcomes];
  },
});
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
