// Runs earshot's TCP connect engine (scanHosts) on ports FIRST-LAST of the given addresses and prints
// the ScanReport JSON, for report tests to run inside a namespace until `earshot scan` exists.

import type { HostResult, ScanReport } from '../../src/model.js';
import { scanHosts } from '../../src/scan/scan-hosts.js';

const [range = '1-100', ...addresses] = process.argv.slice(2);
const [first, last] = range.split('-').map(Number) as [number, number];
const ports = Array.from({ length: last - first + 1 }, (_, i) => first + i);
const startedAt = new Date();
const hosts: HostResult[] = [];
const targets = addresses.map((address) => ({
  address,
  family: address.includes(':') ? ('ipv6' as const) : ('ipv4' as const),
  hostnames: [],
}));
for await (const host of scanHosts(targets, { ports, signal: AbortSignal.timeout(60_000) })) hosts.push(host);
const endedAt = new Date();
const up = hosts.filter((host) => host.status === 'up').length;
const report: ScanReport = {
  tool: 'earshot',
  version: '0.1.0',
  kind: 'scan',
  args: ['earshot', 'scan', '-p', range, ...addresses],
  scanInfo: [{ type: 'connect', protocol: 'tcp', portCount: ports.length, portSpec: range }],
  hosts,
  stats: {
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    elapsedMs: endedAt.getTime() - startedAt.getTime(),
    addressesScanned: hosts.length,
    hostsUp: up,
    hostsDown: hosts.length - up,
    interrupted: false,
  },
};
process.stdout.write(`${JSON.stringify(report)}\n`);
