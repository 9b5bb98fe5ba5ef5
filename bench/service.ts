// Benchmark: `earshot scan -sV` against `nmap -sV` on the same real daemons (sshd, nginx HTTP and
// HTTPS, redis, memcached, postgresql, exim, dnsmasq, rpcbind) in a namespace of its own: agreement
// on service names per port, and wall time (median of BENCH_ROUNDS runs, default 3). Needs root.

import type { ScanReport } from '../src/model.js';
import { earshotBin } from '../test/helpers/cli.js';
import { availableDaemons, startDaemons } from '../test/helpers/daemons/daemons.js';
import { run, withNetns } from '../test/helpers/netns/netns.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** nmap's grepable "22/open/tcp//ssh//OpenSSH 9.2p1 .../" → port → service name ("ssl|http" in TLS). */
function nmapNames(stdout: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const m of stdout.matchAll(/(\d+)\/open\/tcp\/\/([^/]*)\/\/([^/]*)\//g))
    names.set(Number(m[1]), m[2]!);
  return names;
}

function earshotNames(stdout: string): Map<number, string> {
  const report = JSON.parse(stdout) as ScanReport;
  const names = new Map<number, string>();
  for (const port of report.hosts[0]?.ports ?? []) {
    if (port.state !== 'open') continue;
    const service = port.service;
    names.set(port.port, service ? (service.tunnel === 'ssl' ? `ssl|${service.name}` : service.name) : '');
  }
  return names;
}

async function main() {
  if (process.getuid?.() !== 0) {
    console.log('service benchmark: needs root (network namespaces); skipped');
    return;
  }
  const daemons = await availableDaemons();
  await withNetns('bsv', async (ns) => {
    const running = await startDaemons(ns, daemons);
    try {
      const ports = [...daemons.map((d) => d.port), 443].sort((a, b) => a - b).join(',');
      for (let i = 0; i < 30; i++) {
        const probe = await ns.exec(process.execPath, [
          earshotBin,
          'scan',
          '--json',
          '-p',
          ports,
          '127.0.0.1',
        ]);
        const open = (JSON.parse(probe.stdout) as ScanReport).hosts[0]?.ports.filter(
          (p) => p.state === 'open',
        );
        if (open?.length === ports.split(',').length) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const times = { earshot: [] as number[], nmap: [] as number[] };
      let ours = new Map<number, string>();
      let theirs = new Map<number, string>();
      for (let round = 0; round < rounds; round++) {
        let started = performance.now();
        const e = await ns.exec(
          process.execPath,
          [earshotBin, 'scan', '-sV', '--json', '-p', ports, '127.0.0.1'],
          {
            timeoutMs: 120_000,
          },
        );
        times.earshot.push(performance.now() - started);
        ours = earshotNames(e.stdout);
        started = performance.now();
        const n = await ns.exec('nmap', ['-n', '-Pn', '-sT', '-sV', '-p', ports, '-oG', '-', '127.0.0.1'], {
          timeoutMs: 300_000,
        });
        times.nmap.push(performance.now() - started);
        theirs = nmapNames(n.stdout);
      }
      console.log(
        `-sV on ${ports.split(',').length} daemon ports (${daemons.map((d) => d.label).join(', ')}), ${rounds} rounds`,
      );
      console.log('port   earshot          nmap');
      let agree = 0;
      for (const port of [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => a - b)) {
        const a = ours.get(port) ?? '-';
        const b = theirs.get(port) ?? '-';
        if (a === b) agree++;
        console.log(`${String(port).padEnd(6)} ${a.padEnd(16)} ${b}${a === b ? '' : '   (differs)'}`);
      }
      console.log(`agreement on service names: ${agree}/${Math.max(ours.size, theirs.size)} ports`);
      console.log(
        `time (median): earshot ${(median(times.earshot) / 1000).toFixed(2)} s, nmap ${(median(times.nmap) / 1000).toFixed(2)} s`,
      );
      const nmapVersion = (await run('nmap', ['--version'])).stdout.split('\n')[0];
      console.log(`(${nmapVersion}; two shared cores, expect noise)`);
    } finally {
      await running.stop();
    }
  });
}

await main();
